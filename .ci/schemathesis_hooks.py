"""Checks for the schemathesis run in .ci/run: no answer carries internal text (SQL, file
paths, addresses, stack traces), and every GraphQL error has extensions.code."""

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# The custom scalars of schema.graphql, with values of every shape a client might send.
schemathesis.graphql.scalar(
    "DateTime",
    (st.sampled_from(["2026-03-02T08:00:00Z", "2026-13-45T99:00:00Z", "", "yesterday"]) | st.text(max_size=30)).map(
        nodes.String
    ),
)
schemathesis.graphql.scalar(
    "NaiveDate",
    (st.sampled_from(["2026-03-02", "2026-02-30", ""]) | st.text(max_size=12)).map(nodes.String),
)
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))

INTERNALS = (
    "SELECT ", "INSERT ", "UPDATE ", "diesel", "sqlite", "SQLite", "postgres", "PostgreSQL",
    "panicked", "backtrace", ".rs:", "/src/", "/root", "/home", "/tmp", "127.0.0.1",
    "r2d2", "tokio", "thread '",
)


def sent(response):
    body = getattr(response.request, "body", None) or b""
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


@schemathesis.check
def no_internal_text(ctx, response, case):
    text = response.text
    # An answer may quote what the client sent ("\"x\" is not a task id"): that is no leak.
    request = sent(response)
    for internal in INTERNALS:
        if internal in text and internal not in request and internal.replace("'", "\\'") not in request:
            raise AssertionError(f"the answer leaks {internal!r}: {text[:300]}")


@schemathesis.check
def errors_have_codes(ctx, response, case):
    try:
        body = response.json()
    except Exception:
        raise AssertionError(f"not JSON: {response.text[:300]}")
    for error in (body or {}).get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code:
            raise AssertionError(f"an error without extensions.code: {error}")
        if code == "INTERNAL":
            raise AssertionError(f"an internal error: {error}")


@schemathesis.check
def no_server_error_status(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")

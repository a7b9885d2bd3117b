#!/usr/bin/env bash
# Issue 16's statistics target: `stats` for a full year of 1,000,000 requests in < 300 ms, and
# exactly the answer the requests give. Fills the database `zhitong_stats` on
# $ZHITONG_BENCH_PG (default postgres://postgres@127.0.0.1:5432; dropped and made again) with
# bench/ledger_1m.sql (1,000,000 requests over the year before 2026-11-23), starts a release
# server on it (which builds the daily totals at start), then times `stats` for the full year
# and for one month, five times each, from the totals and then from the requests directly
# (the totals switched off by clearing their zone), and compares the two answers.
#
#   bench/stats_1m.sh [--reuse-data]        # prints a section of Markdown on stdout
# Environment: CARGO_TARGET_DIR (default target), BENCH_PROFILE (the cargo profile, default release).
set -euo pipefail
cd "$(dirname "$0")/.."
reuse=false
[ "${1:-}" = "--reuse-data" ] && reuse=true
profile=${BENCH_PROFILE:-release}
bin=${CARGO_TARGET_DIR:-target}/$profile
pg_base=${ZHITONG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
url="$pg_base/zhitong_stats"
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cargo build --profile "$profile" --quiet --bin zhitong >&2
password=bench-password-123
if [ "$reuse" = false ] || ! psql "$url" -Atc "SELECT 1 FROM requests LIMIT 1" > /dev/null 2>&1; then
    echo "== loading 1,000,000 requests into zhitong_stats" >&2
    psql "$pg_base/postgres" -qc "DROP DATABASE IF EXISTS zhitong_stats" -c "CREATE DATABASE zhitong_stats" >&2
    printf '%s\n%s\n' "$password" "$password" | ZHITONG_DATABASE_URL=$url \
        "$bin/zhitong" create-admin --phone 13800000000 --name 基准管理员 > /dev/null
    started=$(date +%s)
    psql "$url" -q -v ON_ERROR_STOP=1 -f bench/ledger_1m.sql >&2
    echo "   loaded in $(( $(date +%s) - started )) s" >&2
else
    psql "$url" -qc "UPDATE stats_zone SET time_zone = NULL" >&2
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
started=$(date +%s.%N)
ZHITONG_DATABASE_URL=$url ZHITONG_BIND=127.0.0.1:$port ZHITONG_WORKERS=false ZHITONG_LOG=warn \
    ZHITONG_JWT_SECRET=$(head -c 48 /dev/urandom | base64) "$bin/zhitong" serve > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { tail "$work/server.log" >&2; exit 1; }
ready=$(python3 -c "print(round($(date +%s.%N) - $started, 1))")
token=$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { login(phone: \\\"13800000000\\\", password: \\\"$password\\\") { accessToken } }\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
fields='from to received resolutionRate resolved resolvedOnTime onTimeRate overdue satisfactionAnswers satisfied satisfactionRate solvedRate firstReply { count medianSeconds p90Seconds } resolution { count medianSeconds p90Seconds } byKind { kind count { received resolved overdue } } byChannel { channel count { received resolved overdue } } byStatus { status count { received resolved overdue } } byCategory { category { code } count { received resolved overdue } } byMonth { month count { received resolved overdue } } coverage { companies withOfficer withoutOfficer rate }'
# Times five runs of stats(from, to) into $work/<label>.times and keeps the last answer.
measure() {
    local label=$1 from=$2 to=$3
    : > "$work/$label.times"
    for _ in 1 2 3 4 5; do
        curl -s -o "$work/$label.json" -w '%{time_total}\n' "http://127.0.0.1:$port/graphql" \
            -H 'content-type: application/json' -H "authorization: Bearer $token" \
            -d "{\"query\":\"{ stats(from: \\\"$from\\\", to: \\\"$to\\\") { $fields } }\"}" >> "$work/$label.times"
    done
    grep -q '"errors"' "$work/$label.json" && { echo "stats failed: $(head -c 300 "$work/$label.json")" >&2; exit 1; }
    return 0
}
ms() { sort -n "$work/$1.times" | awk '{ a[NR] = $1 * 1000 } END { printf "%.0f ms (best %.0f, worst %.0f)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
median_ms() { sort -n "$work/$1.times" | awk '{ a[NR] = $1 * 1000 } END { printf "%.0f", a[int((NR + 1) / 2)] }'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure totals_year 2025-11-23 2026-11-22
measure totals_month 2026-10-01 2026-10-31
psql "$url" -qc "UPDATE stats_zone SET time_zone = NULL"
measure direct_year 2025-11-23 2026-11-22
measure direct_month 2026-10-01 2026-10-31
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
same_year=$(cmp -s "$work/totals_year.json" "$work/direct_year.json" && echo yes || echo NO)
same_month=$(cmp -s "$work/totals_month.json" "$work/direct_month.json" && echo yes || echo NO)
rows=$(psql "$url" -Atc "SELECT (SELECT count(*) FROM stats_received) + (SELECT count(*) FROM stats_outcomes) + (SELECT count(*) FROM stats_durations)")
year=$(median_ms totals_year)
verdict=$([ "$year" -lt 300 ] && [ "$same_year" = yes ] && [ "$same_month" = yes ] && echo met || echo MISSED)
cat <<EOF
## Statistics on 1,000,000 requests (bench/stats_1m.sh)

- data: bench/ledger_1m.sql (1,000,000 requests over one year, 2,000 companies); the server
  built its daily totals at start ($rows rows after the fold), ready in $ready s
- load average before: $load_before, after: $load_after

| \`stats\` (median of 5) | from the daily totals | from the requests directly | same answer |
|---|---|---|---|
| full year (2025-11-23 – 2026-11-22) | $(ms totals_year) | $(ms direct_year) | $same_year |
| one month (2026-10) | $(ms totals_month) | $(ms direct_month) | $same_month |

- target \`stats\` for a full year on 1M requests < 300 ms, exactly as before: **$verdict** ($year ms)
EOF

#!/usr/bin/env bash
# Soak: a release server on a fresh SQLite file (or PostgreSQL: ZHITONG_DATABASE_URL=postgres://…),
# then moderate mixed load from bench/soak.rs: a 30 s warm-up and SOAK_MINUTES (default 10) of
# load. Reports the server's RSS after the warm-up, its floor, median and peak each minute (read every second)
# with the heap and SQLite figures of its /metrics, the RSS at the end, and the error
# counts. The company clients refresh their tokens as the app does; the officers and the admin
# keep one access token for the run, so the server's lifetime is raised to a day (as bench/run
# does): with the default 15 minutes a longer soak turned into a storm of expired-token errors.
#
#   bench/soak.sh            # 10 minutes, 6 clients, release build
#   SOAK_MINUTES=1 SOAK_CLIENTS=4 bench/soak.sh
#   SOAK_PROFILE=debug bench/soak.sh   # the debug build (no release build needed)
#   SOAK_MINUTES=30 bench/soak.sh      # the trust target: the RSS floor of the last 10 minutes grows < 2 %
#   SOAK_MINUTES=30 SOAK_PG=postgres://postgres@127.0.0.1:5432/test bench/soak.sh
#       # on PostgreSQL: a fresh schema made in that database for the run, dropped after it
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${SOAK_MINUTES:-10}"
clients="${SOAK_CLIENTS:-6}"
profile="${SOAK_PROFILE:-release}"
target="${CARGO_TARGET_DIR:-target}/$profile"
if [ "$profile" = release ]; then
  cargo build --release --quiet --bin zhitong --example soak
else
  cargo build --quiet --bin zhitong --example soak
fi
work="$(mktemp -d)"
server=""
schema=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null
  [ -n "$schema" ] && psql -q "$SOAK_PG" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${SOAK_PG:-}" ]; then
  schema="zt_soak_$$"
  psql -q "$SOAK_PG" -c "CREATE SCHEMA $schema" >/dev/null
  case "$SOAK_PG" in *\?*) sep='&' ;; *) sep='?' ;; esac
  export ZHITONG_DATABASE_URL="$SOAK_PG${sep}options=-csearch_path%3D$schema"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ZHITONG_METRICS_BIND="127.0.0.1:$metrics_port" ZHITONG_BIND="127.0.0.1:$port" ZHITONG_ACCESS_TOKEN_TTL="${ZHITONG_ACCESS_TOKEN_TTL:-86400}" ZHITONG_DATABASE_URL="${ZHITONG_DATABASE_URL:-$work/soak.db}" \
  ZHITONG_LOG="${ZHITONG_LOG:-warn}" "$target/zhitong" >"$work/banner" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do grep -q "then send the header" "$work/banner" 2>/dev/null && break; sleep 0.1; done
password=$(sed -n 's/^  password: //p' "$work/banner")
echo "server pid $server on port $port ($profile build)"
status=0
"$target/examples/soak" --url "http://127.0.0.1:$port" --password "$password" \
  --minutes "$minutes" --clients "$clients" --pid "$server" --metrics "http://127.0.0.1:$metrics_port/metrics" || status=$?
echo "server log lines at WARN or ERROR: $(grep -c -E 'ERROR|WARN' "$work/server.log" || true)"
grep -E 'ERROR' "$work/server.log" | head -5 || true
exit "$status"

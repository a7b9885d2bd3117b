#!/usr/bin/env bash
# Idle phones (bench/subscribers.rs): a release server on a fresh SQLite file (or PostgreSQL:
# SUBSCRIBERS_PG=postgres://…, a fresh schema made for the run and dropped after it) with its
# metrics listener, then 5,000 websockets subscribed to notificationReceived and
# myRequestUpdates: the database queries the server makes while they idle, its RSS, and how
# fast one change reaches the phones it concerns.
#
#   bench/subscribers.sh
#   SUBSCRIBERS_PHONES=1000 SUBSCRIBERS_OFFICERS=1 SUBSCRIBERS_IDLE=10 bench/subscribers.sh
#   SUBSCRIBERS_PG=postgres://postgres@127.0.0.1:5432/test bench/subscribers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}/release"
cargo build --release --quiet --bin zhitong --example bench-subscribers
work="$(mktemp -d)"
server=""
schema=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null
  [ -n "$schema" ] && psql -q "$SUBSCRIBERS_PG" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${SUBSCRIBERS_PG:-}" ]; then
  schema="zt_subscribers_$$"
  psql -q "$SUBSCRIBERS_PG" -c "CREATE SCHEMA $schema" >/dev/null
  case "$SUBSCRIBERS_PG" in *\?*) sep='&' ;; *) sep='?' ;; esac
  export ZHITONG_DATABASE_URL="$SUBSCRIBERS_PG${sep}options=-csearch_path%3D$schema"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
# The server's own background jobs (time limits, pushes, retention, …) would read the
# database while the phones idle; they are stopped so the figure is the subscriptions' alone.
ZHITONG_WORKERS=false ZHITONG_METRICS_BIND="127.0.0.1:$metrics_port" ZHITONG_BIND="127.0.0.1:$port" \
  ZHITONG_ACCESS_TOKEN_TTL=86400 ZHITONG_DATABASE_URL="${ZHITONG_DATABASE_URL:-$work/subscribers.db}" \
  ZHITONG_LOG="${ZHITONG_LOG:-warn}" "$target/zhitong" >"$work/banner" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do grep -q "then send the header" "$work/banner" 2>/dev/null && break; sleep 0.1; done
password=$(sed -n 's/^  password: //p' "$work/banner")
echo "server pid $server on port $port; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$target/examples/bench-subscribers" --url "http://127.0.0.1:$port" --password "$password" \
  --metrics "http://127.0.0.1:$metrics_port/metrics" --pid "$server" \
  --phones "${SUBSCRIBERS_PHONES:-5000}" --officers "${SUBSCRIBERS_OFFICERS:-20}" --idle "${SUBSCRIBERS_IDLE:-30}" --changes "${SUBSCRIBERS_CHANGES:-20}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server log lines at WARN or ERROR: $(grep -c -E 'ERROR|WARN' "$work/server.log" || true)"
grep -E 'ERROR|WARN' "$work/server.log" | head -5 || true

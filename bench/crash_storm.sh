#!/usr/bin/env bash
# The write-storm crash rounds (tests/api/crash_storm.rs) at full strength: 50 phones raising
# requests and their officers accepting them, the server killed with SIGKILL at a random moment,
# restarted, and everything checked (acknowledged writes there, nothing half-written, each inbox
# once, each push at least once, re-sends only of what was unrecorded at the kill), 5 rounds on
# SQLite and 5 on PostgreSQL (ZHITONG_TEST_DATABASE_URL, default the local server's `test`).
#
#   bench/crash_storm.sh                      # 5 rounds, 50 clients, each backend
#   STORM_ROUNDS=10 STORM_CLIENTS=80 bench/crash_storm.sh
#   ZHITONG_STORM_SEED=1796348344383 bench/crash_storm.sh   # the same kill moments again
set -euo pipefail
cd "$(dirname "$0")/.."
export ZHITONG_TEST_DATABASE_URL="${ZHITONG_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export ZHITONG_STORM_ROUNDS="${STORM_ROUNDS:-5}"
export ZHITONG_STORM_CLIENTS="${STORM_CLIENTS:-50}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
log="${CARGO_TARGET_DIR:-target}/crash-storm.log"
status=0
cargo test --quiet --test api crash_storm -- --nocapture --test-threads=1 >"$log" 2>&1 || status=$?
grep -E '^(crash storm|round|test |test result)|panicked' -A1 "$log" | grep -v '^--$' | grep -v '^note:' || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (the whole output: $log)"
exit "$status"

#!/usr/bin/env bash
# Flame graph of the company home screen under load: builds with the `profiling` cargo profile
# (release code with line tables, not stripped), starts the server on the bench database that
# bench/run left (zhitong_bench and bench/out/manifest.json: run bench/run once first), drives
# the home screen with the load driver (closed loop) and samples the server with perf, then folds
# the stacks with inferno into an SVG and prints the heaviest frames.
#
#   bench/profile.sh [--duration 15] [--clients 32] [--frequency 199] [--svg bench/out/profile/home.svg]
#
# Needs perf (Debian: linux-perf) and inferno (`cargo install inferno`). On this kind of virtual
# machine the hardware counters are not available (`perf stat -e instructions true` says
# "<not supported>"), so perf samples on the cpu-clock software timer, which is enough for a
# flame graph of where the CPU time goes. Stacks are unwound from DWARF (the release build has no
# frame pointers). Environment: CARGO_TARGET_DIR, ZHITONG_BENCH_PG as for bench/run.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=15 clients=32 frequency=199 svg=bench/out/profile/home.svg
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --frequency) frequency=$2; shift 2 ;;
        --svg) svg=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
command -v perf > /dev/null || { echo "perf is missing (apt-get install linux-perf)" >&2; exit 1; }
command -v inferno-collapse-perf > /dev/null || { echo "inferno is missing (cargo install inferno)" >&2; exit 1; }
[ -f bench/out/manifest.json ] || { echo "no bench data: run bench/run first" >&2; exit 1; }

out=bench/out/profile
mkdir -p "$out" "$(dirname "$svg")"
bin=${CARGO_TARGET_DIR:-target}/profiling
port=18090
url=${ZHITONG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}/zhitong_bench
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== build (profiling)"
nice -n 5 cargo build --profile profiling --quiet --bin zhitong --example bench-load

echo "== server"
ZHITONG_DATABASE_URL=$url ZHITONG_BIND=127.0.0.1:$port ZHITONG_JWT_SECRET=$(head -c 48 /dev/urandom | base64) \
    ZHITONG_ENV=production ZHITONG_ACCESS_TOKEN_TTL=86400 ZHITONG_LOG=${ZHITONG_LOG:-info} \
    ZHITONG_ATTACHMENTS_DIR=$out/attachments "$bin/zhitong" serve > "$out/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { echo "the server did not start:" >&2; tail "$out/server.log" >&2; exit 1; }

echo "== load: home screen, closed loop, $clients clients"
"$bin/examples/bench-load" --url "http://127.0.0.1:$port" --manifest bench/out/manifest.json \
    --server-pid "$server_pid" --scenarios home --modes closed --clients "$clients" --duration "$duration" \
    --report "$out/load.md" > "$out/load.log" 2>&1 &
driver_pid=$!
pids+=("$driver_pid")
# Sample from the end of the logins (argon2 would dominate otherwise) for the warm-up and the run.
for _ in $(seq 1 600); do
    grep -q 'sessions in' "$out/load.log" && break
    kill -0 "$driver_pid" 2>/dev/null || { echo "the driver stopped:" >&2; tail "$out/load.log" >&2; exit 1; }
    sleep 0.2
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== perf record ($duration s at $frequency Hz, load average $load_before)"
perf record -e cpu-clock -F "$frequency" --call-graph dwarf,16384 -p "$server_pid" -o "$out/perf.data" \
    -- sleep "$duration" 2> "$out/perf-record.log"
wait "$driver_pid" || true
grep -E '^\s+home' "$out/load.log" || true

echo "== fold"
perf script -i "$out/perf.data" 2> /dev/null | inferno-collapse-perf > "$out/home.folded"
inferno-flamegraph --title "zhitong: company home screen, $clients clients (perf, cpu-clock, $(date -u +%F))" \
    --width 1600 < "$out/home.folded" > "$svg"
total=$(awk '{ s += $NF } END { print s }' "$out/home.folded")
# cpu-clock samples weigh their period in ns: the total is the server's CPU time sampled.
echo "== $(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1e9 }') s of the server's CPU sampled; flame graph: $svg"
echo "heaviest frames, share of the server's samples (inclusive, each frame once per stack):"
awk -v total="$total" '{
    n = $NF; $NF = ""; split($0, frames, ";"); delete seen
    for (i in frames) { f = frames[i]; gsub(/^ +| +$/, "", f); if (!(f in seen)) { seen[f] = 1; incl[f] += n } }
} END { for (f in incl) printf "%6.1f %%  %s\n", 100 * incl[f] / total, f }' "$out/home.folded" \
    | sort -rn | head -40 | tee "$out/top.txt" || true
echo "heaviest leaf frames (self time):"
awk -v total="$total" '{ n = $NF; $NF = ""; k = split($0, frames, ";"); f = frames[k]; gsub(/^ +| +$/, "", f); self[f] += n }
END { for (f in self) printf "%6.1f %%  %s\n", 100 * self[f] / total, f }' "$out/home.folded" \
    | sort -rn | head -25 | tee "$out/self.txt" || true

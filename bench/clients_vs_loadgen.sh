#!/usr/bin/env bash
# stress_client against ../shared/bench/loadgen on the same servers, in one
# run, passes interleaved (loadgen, ours, loadgen, ours ...), the same thread
# count for both: is our load generator ever the bottleneck?
#   echo    echo_server --threads 2, 100 connections, closed loop, pipeline 1 and 16
#   fanout  chat_server --threads 2, 1 000 receivers, window 64
# Prints each pass and the median ratio ours/loadgen (replies/s, deliveries/s)
# with each tool's CPU seconds.
#
# Usage: bench/clients_vs_loadgen.sh [PASSES]   (default 3)
# Needs a Release build (cmake -S . -B build-release -G Ninja
# -DCMAKE_BUILD_TYPE=Release && cmake --build build-release) or BUILD=<dir>,
# and the shared load generator (../shared/bench/build.sh -> /tmp/bench-bin, or BENCH_BIN).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
passes=${1:-3}
build=${BUILD:-$here/../build-release}
loadgen=${BENCH_BIN:-/tmp/bench-bin}/loadgen
stress=$build/examples/stress_client
for tool in "$build/examples/echo_server" "$build/examples/chat_server" "$stress" "$loadgen"; do
  [[ -x $tool ]] || { echo "missing: $tool (see the comment at the top of $0)" >&2; exit 2; }
done
ulimit -n 8192 2>/dev/null || true

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server with a console pipe that stays open; sets $port.
start() {
  local name=$1; shift
  mkfifo "$work/$name.console"
  "$@" --port 0 --threads 2 --quiet < "$work/$name.console" > "$work/$name.log" 2>&1 &
  pids+=($!)
  exec {fd}> "$work/$name.console"  # keeps the console's stdin open
  for _ in $(seq 100); do grep -q LISTENING "$work/$name.log" && break; sleep 0.05; done
  port=$(grep -o '[0-9]*$' <(grep LISTENING "$work/$name.log"))
}

cpu() { /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/out" 2>&1; awk '{print $1 + $2}' "$work/time"; }

# run LABEL LOADGEN_ARGS -- STRESS_ARGS: passes, then the median ratio.
compare() {
  local label=$1; shift
  local lg_args=() st_args=()
  while [[ $1 != -- ]]; do lg_args+=("$1"); shift; done; shift
  st_args=("$@")
  local ratios=()
  for pass in $(seq "$passes"); do
    local lg_cpu lg_rate st_cpu st_rate
    lg_cpu=$(cpu "$loadgen" "${lg_args[@]}")
    lg_rate=$(grep -o 'rps=[0-9.]*\|deliveries=[0-9]*' "$work/out" | tail -1 | cut -d= -f2)
    if [[ $label == fanout* ]]; then
      lg_rate=$(awk -v d="$lg_rate" -v e="$(grep -o 'elapsed_s=[0-9.]*' "$work/out" | tail -1 | cut -d= -f2)" 'BEGIN{printf "%.0f", d/e}')
    fi
    st_cpu=$(cpu "$stress" "${st_args[@]}" --json)
    if [[ $label == fanout* ]]; then
      st_rate=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["figures"]["deliveries_per_second"]))' "$work/out")
    else
      st_rate=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(round([o for o in d["operations"] if o["name"]=="echo"][0]["count"]/d["seconds"]))' "$work/out")
    fi
    ratios+=("$(awk -v a="$st_rate" -v b="$lg_rate" 'BEGIN{printf "%.3f", a/b}')")
    printf '%-14s pass %d  loadgen %9d/s (%4.2f s CPU)  stress_client %9d/s (%4.2f s CPU)  ratio %s\n' \
      "$label" "$pass" "$lg_rate" "$lg_cpu" "$st_rate" "$st_cpu" "${ratios[-1]}"
  done
  printf '%-14s median ratio %s\n' "$label" "$(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (passes + 1) / 2 ))p")"
}

start echo "$build/examples/echo_server"
compare "echo P=1" echo --port "$port" --conns 100 --threads 2 --duration 3 --warmup 0.5 \
  -- --scenario echo --server echo --port "$port" --clients 100 --threads 2 --duration 3 --warmup 0.5
compare "echo P=16" echo --port "$port" --conns 100 --threads 2 --duration 3 --warmup 0.5 --pipeline 16 \
  -- --scenario echo --server echo --port "$port" --clients 100 --threads 2 --duration 3 --warmup 0.5 --pipeline 16
start chat "$build/examples/chat_server" --db :memory: --hash-memory 8192 --hash-ops 1
compare "fanout 1000" chat-fanout --port "$port" --subs 1000 --threads 2 --duration 3 --users 16 --window 64 \
  -- --scenario fanout --port "$port" --clients 1000 --threads 2 --duration 3 --window 64 --users 16

#!/usr/bin/env bash
# Chat fan-out against Redis pub/sub, interleaved in one run (Redis, ours,
# Redis, ours, ...): one publisher, SUBS receivers, ../shared/bench/loadgen.
# Prints each pass's RESULT lines and the median ratio of deliveries/s.
#
# Usage: bench/fanout_vs_redis.sh [PASSES] [SUBS]   (default 3 passes, 1000 receivers;
#        env CHAT overrides the server, BENCH_BIN the load generator's directory)
# Needs a Release build of chat_server (cmake -S . -B build-release -G Ninja
# -DCMAKE_BUILD_TYPE=Release && cmake --build build-release --target chat_server),
# the shared load generator (../shared/bench/build.sh -> /tmp/bench-bin) and
# redis-server (Debian's redis-server package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
passes=${1:-3}
subs=${2:-1000}
chat=${CHAT:-$here/../build-release/examples/chat_server}
loadgen=${BENCH_BIN:-/tmp/bench-bin}/loadgen
for tool in "$chat" "$loadgen" "$(command -v redis-server || echo redis-server)"; do
  [[ -x $tool ]] || { echo "missing: $tool (see the comment at the top of $0)" >&2; exit 2; }
done
ulimit -n $(( subs * 2 + 1000 )) 2>/dev/null || true

work=$(mktemp -d)
cleanup() {
  [[ -n ${redis_pid:-} ]] && kill "$redis_pid" 2>/dev/null
  [[ -n ${chat_pid:-} ]] && kill "$chat_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A free port for Redis (it has no "port 0").
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no > "$work/redis.log" 2>&1 &
redis_pid=$!
# The console reads stdin: give it a pipe that stays open, not the terminal.
mkfifo "$work/console"
"$chat" --port 0 --threads 2 --quiet --db :memory: --hash-memory 8192 --hash-ops 1 \
  --max-clients $(( subs + 100 )) < "$work/console" > "$work/chat.log" 2>&1 &
chat_pid=$!
exec 3> "$work/console"
for _ in $(seq 50); do
  grep -q LISTENING "$work/chat.log" 2>/dev/null && break
  sleep 0.1
done
chat_port=$(grep -o '[0-9]*$' "$work/chat.log" | head -1)
sleep 0.5

rate() { grep -o 'deliveries_per_s=[0-9]*' <<< "$1" | cut -d= -f2; }
redis_rates=() chat_rates=()
for pass in $(seq "$passes"); do
  r=$("$loadgen" pubsub-redis --port "$redis_port" --subs "$subs" --duration 3 --threads 2 --label redis | tail -1)
  c=$("$loadgen" chat-fanout --port "$chat_port" --subs "$subs" --users 50 --duration 3 --threads 2 --label chat | tail -1)
  echo "pass $pass: $r"
  echo "pass $pass: $c"
  redis_rates+=("$(rate "$r")") chat_rates+=("$(rate "$c")")
done
exec 3>&-

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
r=$(median "${redis_rates[@]}") c=$(median "${chat_rates[@]}")
awk -v r="$r" -v c="$c" -v s="$subs" 'BEGIN {
  printf "median deliveries/s, %d receivers: Redis %d, chat_server %d: %.2fx\n", s, r, c, c / r }'

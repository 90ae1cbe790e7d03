#!/usr/bin/env bash
# Measures what the Kubernetes requests and limits are sized from: resident
# memory idle and under load, and CPU time per article through Kafka. Runs
# the release binary on its embedded broker (in the same process, so its
# memory and CPU are included: an upper bound) and pushes COPIES copies of
# the dev set through it with kcat. CPU is read from /proc, so the numbers
# hold on a busy machine where wall-clock rates do not.
#
#   cargo build --release && deploy/measure-sizing.sh [COPIES]      (default 100 = 4,500 articles)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TRADEWIRE_BIN:-${CARGO_TARGET_DIR:-target}/release/tradewire}
dev=${DEV_SET:-../shared/eval/dev.jsonl}
copies=${1:-100}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
TRADEWIRE__HTTP__LISTEN=127.0.0.1:$port TRADEWIRE_LOG_FORMAT=json "$bin" run 2> "$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
metric() { curl -s "127.0.0.1:$port/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
for _ in $(seq 100); do [ -n "$(metric tradewire_ready)" ] && break; sleep 0.2; done
bootstrap=$(grep -Eo '127\.0\.0\.1:[0-9]+' "$log" | grep -v ":$port" | head -1)
sleep 3
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "idle: RSS $(rss) kB, $(metric process_threads) threads"
cpu0=$(cpu)
n=$(($(wc -l < "$dev") * copies))
for i in $(seq 1 "$copies"); do jq -c ".article | .id += \"-$i\"" "$dev"; done \
  | kcat -P -b "$bootstrap" -t articles.raw -z none
until [ "$(metric tradewire_articles_produced_total)" -ge "$n" ]; do sleep 0.5; done
cpu1=$(cpu)
echo "$n articles: CPU $(echo "$cpu1 - $cpu0" | bc) s," \
  "$(echo "($cpu1 - $cpu0) * 1000000 / $n" | bc) us per article;" \
  "peak RSS $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status") kB"

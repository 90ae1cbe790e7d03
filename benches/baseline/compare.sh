#!/usr/bin/env bash
# tradewire next to the Python baseline, in the same run, on the same input:
# N generated articles (benches/baseline/README: how to install the
# baseline's venv) through `tradewire enrich` and through baseline.py, each
# single-threaded, ROUNDS times interleaved; prints the best and median
# articles per CPU-second of each and their ratio.
#
#   benches/baseline/compare.sh            # N=3000 ROUNDS=3
#   N=10000 ROUNDS=5 benches/baseline/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-3000}
ROUNDS=${ROUNDS:-3}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/tradewire}
PY=${PY:-/tmp/tw-baseline/bin/python}
[ -x "$BIN" ] || { echo "build first: cargo build --release ($BIN missing)" >&2; exit 1; }
"$PY" -c 'import vaderSentiment' 2>/dev/null || {
  echo "install the baseline first:" >&2
  echo "  python3 -m venv /tmp/tw-baseline && /tmp/tw-baseline/bin/pip install -r benches/baseline/requirements.txt" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BIN" loadgen --write-jsonl "$tmp/in.jsonl" --count "$N" --seed 1 --poison-share 0.01
echo "input: $N articles, $(($(wc -c < "$tmp/in.jsonl") / N)) bytes each on average"

# CPU seconds (user + system) of one run; the output goes to $tmp/$1.out.
run() {
  local name=$1; shift
  /usr/bin/time -f "%U %S %e" -o "$tmp/$name.time" "$@" < "$tmp/in.jsonl" > "$tmp/$name.out" 2> /dev/null || true
  tail -n 1 "$tmp/$name.time" | awk '{printf "%.3f %.3f\n", $1 + $2, $3}'
}

: > "$tmp/tw.rates"; : > "$tmp/py.rates"
for r in $(seq 1 "$ROUNDS"); do
  read -r tw_cpu tw_wall < <(run tw "$BIN" enrich)
  read -r py_cpu py_wall < <(run py "$PY" benches/baseline/baseline.py)
  tw_n=$(wc -l < "$tmp/tw.out"); py_n=$(wc -l < "$tmp/py.out")
  echo "round $r: tradewire $tw_n records in ${tw_cpu}s CPU (${tw_wall}s wall); python $py_n records in ${py_cpu}s CPU (${py_wall}s wall)"
  awk -v n="$N" -v c="$tw_cpu" 'BEGIN {print n / c}' >> "$tmp/tw.rates"
  awk -v n="$N" -v c="$py_cpu" 'BEGIN {print n / c}' >> "$tmp/py.rates"
done
stats() { sort -g "$1" | awk '{a[NR] = $1} END {printf "%.0f %.0f\n", a[NR], a[int((NR + 1) / 2)]}'; }
read -r tw_best tw_median < <(stats "$tmp/tw.rates")
read -r py_best py_median < <(stats "$tmp/py.rates")
echo
echo "articles per CPU-second (one core)   best    median"
printf "tradewire enrich                    %6d  %6d\n" "$tw_best" "$tw_median"
printf "python baseline (keywords + VADER)  %6d  %6d\n" "$py_best" "$py_median"
awk -v a="$tw_best" -v b="$py_best" -v c="$tw_median" -v d="$py_median" \
  'BEGIN {printf "ratio                               %5.1fx  %5.1fx\n", a / b, c / d}'

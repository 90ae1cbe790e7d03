#!/bin/sh
# Builds a JSON-lines corpus of ~3 KB raw articles for the throughput
# measurement in README ("Speed"): each article keeps one dev-set article's
# headline, source, date and first paragraphs, and takes further
# paragraphs from other dev-set articles until its body is at least
# 2,900 characters. Every round pairs the articles differently; ids are
# unique.
#
#   benches/make-corpus.sh [ROUNDS] [DEV_SET] > corpus.jsonl
#
# ROUNDS (default 100) times the 45 dev articles = 4,500 articles, ~15 MB.
set -eu
rounds=${1:-100}
dev=${2:-"$(dirname "$0")/../../shared/eval/dev.jsonl"}
jq -c -n --argjson rounds "$rounds" '
  [inputs | .article] as $a
  | ($a | length) as $n
  | range(0; $rounds) as $r
  | (($r % ($n - 1)) + 1) as $stride
  | range(0; $n) as $i
  | $a[$i]
  | .id += "-r\($r)"
  | .body = (
      # paragraphs of the following articles, one at a time
      ([range(1; $n) | $a[($i + . * $stride) % $n].body | split("\n\n")[]]) as $more
      | { body: .body, k: 0 }
      | until(.body | length >= 2900;
          .body += "\n\n" + $more[.k]
          | .k += 1)
      | .body)
' "$dev"

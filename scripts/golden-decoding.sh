#!/usr/bin/env bash
# Records the decoding output of the bundled model on examples/ (and on the test
# corpus fixture) into a folder, so that a refactoring can be checked to leave
# it byte-identical:
#   npx tsc -p tsconfig.json && bash scripts/golden-decoding.sh /tmp/before
#   ... change the code, compile again ...
#   bash scripts/golden-decoding.sh /tmp/after && diff -r /tmp/before /tmp/after
# It runs the compiled CLI (out/src/cli/bin.js) on the wasm backend, so it needs
# no packaging and gives the same numbers on every machine. Only timings are
# dropped from the output. It covers the request path (document, translate),
# with the project index and without, reuse on and off, n-best, greedy, and raw
# beam search through eval. test/fixtures/reuse is a project whose documented functions are
# near-copies of some in examples/, so that there a neighbour's summary is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ]; then
  echo "usage: $0 <out-dir>" >&2
  exit 2
fi
O=$1
mkdir -p "$O"
O=$(cd "$O" && pwd)
B="node out/src/cli/bin.js"
[ -f out/src/cli/bin.js ] || { echo "compile first: npx tsc -p tsconfig.json" >&2; exit 1; }
R=$(pwd)
# Drop timings (a trailing "ms" field of JSON lines, a trailing ", N ms" of text lines)
# and write the repository's own path as <repo>, so two checkouts compare equal.
t() { sed -E 's/,"ms":[0-9]+\}$/}/; s/, [0-9]+ ms$//' | sed "s|$R|<repo>|g"; }
F="examples/inventory.py examples/vectors.js"

$B document --backend wasm --index examples $F | t >"$O/demo.txt"
$B document --json --backend wasm --index examples $F | t >"$O/doc.jsonl"
$B document --json --backend wasm --nbest 4 --index examples $F | t >"$O/doc-n4.jsonl"
$B document --json --backend wasm --no-indexing $F | t >"$O/doc-bundled.jsonl"
$B document --json --backend wasm --no-reuse --beam 1 --index examples $F | t >"$O/doc-greedy.jsonl"
$B translate --backend wasm --file examples/inventory.py --nbest 3 | t >"$O/tr-code2doc.txt"
echo "Return the total value of the items in stock." |
  $B translate --backend wasm --direction doc2code --nbest 2 | t >"$O/tr-doc2code.txt"
$B translate --backend wasm --file examples/vectors.js --lines 1-3 --nbest 2 --length-penalty 1 \
  --length-reward 0.3 --no-repeat-ngram 2 --max-length 12 | t >"$O/tr-flags.txt"
$B document --json --backend wasm --index test/fixtures/reuse $F | t >"$O/doc-reuse.jsonl"
$B document --json --backend wasm --nbest 3 --index test/fixtures/reuse $F | t >"$O/doc-reuse-n3.jsonl"
$B document --json --backend wasm --no-reuse --index test/fixtures/reuse $F | t >"$O/doc-reuse-off.jsonl"

# The mined corpus goes to a scratch folder so that no path of $O reaches the outputs.
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
$B mine test/fixtures/corpus -o "$W/fx.jsonl" >/dev/null
cp "$W/fx.jsonl" "$O/fx.jsonl"
(cd "$W" && node "$OLDPWD/out/src/cli/bin.js" eval --backend wasm --corpus fx.jsonl --beam 4 --nbest 2 --json) | t >"$O/eval.json"
(cd "$W" && node "$OLDPWD/out/src/cli/bin.js" eval --backend wasm --corpus fx.jsonl --beam 3 --length-reward 0.5 \
  --length-penalty 0.2 --no-repeat-ngram 2 --max-length 20 --json) | t >"$O/eval-flags.json"

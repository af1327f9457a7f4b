#!/usr/bin/env bash
# The demo: generate a corpus with planted solidarity and a planted firestorm, then run
# the main job on it. Usage: scripts/demo.sh OUTPUT_DIR (make demo passes demo-out).
set -euo pipefail
out="${1:-demo-out}"
cp="${CROWDPULSE:-.venv/bin/crowdpulse}"
mkdir -p "$out"
echo "== 1. generate a corpus (seed 42) with its ground truth and event description"
"$cp" synth --seed 42 --posts 30000 --format v1 -o "$out/posts.jsonl.gz" \
  --truth "$out/truth.json" --event "$out/event.toml" --noise
echo "== 2. ingest it (retweets kept for the retweet network)"
"$cp" ingest --event "$out/event.toml" -o "$out/corpus.parquet" --keep-retweets
echo "== 3. what the corpus holds"
"$cp" info "$out/corpus.parquet" --top 5
echo
echo "demo done: corpus at $out/corpus.parquet"

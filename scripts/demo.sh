#!/usr/bin/env bash
# The demo: generate a corpus with planted solidarity and a planted firestorm, look at it,
# then write the full report of the event (and, when ../shared/data is present, of one real
# CrisisLexT26 event). Usage: scripts/demo.sh OUTPUT_DIR (make demo passes demo-out).
set -euo pipefail
out="${1:-demo-out}"
cp="${CROWDPULSE:-.venv/bin/crowdpulse}"
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${CROWDPULSE_SHARED_DATA:-$root/../shared/data}"
mkdir -p "$out"
echo "== 1. generate a corpus (seed 42) with its ground truth and event description"
"$cp" synth --seed 42 --posts 30000 --format v1 -o "$out/posts.jsonl.gz" \
  --truth "$out/truth.json" --event "$out/event.toml" --noise
echo "== 2. ingest it (retweets kept for the retweet network)"
"$cp" ingest --event "$out/event.toml" -o "$out/corpus.parquet" --keep-retweets
echo "== 3. what the corpus holds"
"$cp" info "$out/corpus.parquet" --top 5
echo
echo "== 4. the report: ingest, features, solidarity, geography, emojis, firestorm; one page"
"$cp" report "$out/event.toml" -o "$out/report" --truth "$out/truth.json"
reports=("$out/report/report.html")

event="2013_West_Texas_explosion"
labelled="$shared/crisislex/CrisisLexT26/$event/$event-tweets_labeled.csv"
if [ -f "$labelled" ]; then
  echo
  echo "== 5. a real event: CrisisLexT26 $event, its human 'Sympathy and support'"
  echo "      labels standing in for hashtag labels (times joined from its tweet-id file)"
  mkdir -p "$out/crisislex"
  labelled_abs="$(cd "$(dirname "$labelled")" && pwd)/$(basename "$labelled")"
  cat > "$out/crisislex/event.toml" <<EOF
name = "West Texas explosion, April 2013 (CrisisLexT26)"
inputs = ["$labelled_abs"]
affected_countries = ["US"]

[labels]
column = "label"
positive = ["Sympathy and support"]

[emojis]
bucket = "1D"
min_count = 2
EOF
  "$cp" report "$out/crisislex/event.toml" -o "$out/crisislex/report" \
    --label-exclude "Not labeled"
  reports+=("$out/crisislex/report/report.html")
else
  echo
  echo "(no CrisisLexT26 data at $shared: the real-data report is left out)"
fi

echo
echo "demo done: corpus at $out/corpus.parquet; open the report(s):"
for page in "${reports[@]}"; do
  echo "  $(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
done

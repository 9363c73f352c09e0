#!/usr/bin/env bash
# Audit throughput and memory, reproducibly: 2,000,000 generated events from a file (events/s end
# to end, peak RSS), the same file gzip-compressed, then 20,000,000 streamed through a pipe (peak
# RSS must not grow with the input). Usage: bench/audit.sh [DIR for the 1.4 GB events file and
# its 166 MB gzip, default /tmp]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp}
cargo build --release -q -p ramjet-cli
ramjet=target/release/ramjet
events="$dir/ramjet-events-2m.jsonl"
if [ ! -s "$events" ]; then
  echo "generating $events ..."
  $ramjet gen-events --bundle corpus/bundle --count 2000000 --seed 7 > "$events"
fi
echo "== 2,000,000 events from a file (3 runs)"
for _ in 1 2 3; do
  /usr/bin/time -f "   wall %e s, user %U s, peak RSS %M KB" \
    $ramjet audit --bundle corpus/bundle "$events" | head -n 1
done
if [ ! -s "$events.gz" ]; then
  echo "compressing $events ..."
  gzip -1 -c "$events" > "$events.gz"
fi
echo "== the same 2,000,000 events from gzip (3 runs)"
for _ in 1 2 3; do
  /usr/bin/time -f "   wall %e s, user %U s, peak RSS %M KB" \
    $ramjet audit --bundle corpus/bundle "$events.gz" | head -n 1
done
echo "== 20,000,000 events through a pipe (gen-events | audit): peak RSS of the audit"
$ramjet gen-events --bundle corpus/bundle --count 20000000 --seed 8 \
  | /usr/bin/time -f "   wall %e s, user %U s, peak RSS %M KB" $ramjet audit --bundle corpus/bundle /dev/stdin | head -n 1

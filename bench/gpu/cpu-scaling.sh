#!/usr/bin/env bash
# CPU scaling of the vision stage (issue target: N wasm vision workers on N free cores give
# >= 0.8 x N one worker's frames/s). Runs N copies of the bundled vision benchmark side by side
# on the wasm backend, each against 4 looped 720p cameras at 5 fps (more than one core can
# analyse, so every copy is saturated), and prints analysed frames/s per N against N x one copy.
# On a lent GPU machine (16 cores), after run-on-device.sh or on its own, carrying .device:
#   bash .device/cpu-scaling.sh            (COUNTS="1 2 4 8" SECONDS_PER_RUN=20 by default)
# Here (2 vCPUs) it only shows that the script works: COUNTS="1 2" OUT=/tmp/x bash .device/cpu-scaling.sh
set -euo pipefail
d=.device
OUT="${OUT:?set OUT to a folder for the results}"
node=/tmp/node
[ -x "$node" ] || { xz -dc "$d/node-v20.20.2-linux-x64.xz" > "$node"; chmod +x "$node"; }
[ -f "$d/vision-bench.cjs" ] || xz -dk "$d/vision-bench.cjs.xz"
for f in "$d"/frames/*.rgb.xz; do [ -e "$f" ] && [ ! -e "${f%.xz}" ] && xz -dk "$f"; done
nproc | tee "$OUT/cpus.txt"
for n in ${COUNTS:-1 2 4 8}; do
  pids=()
  for i in $(seq 1 "$n"); do
    timeout 180 "$node" "$d/vision-bench.cjs" run --backend wasm --assets "$d/assets" --frames "$d/frames" \
      --cameras 4 --fps 5 --seconds "${SECONDS_PER_RUN:-20}" --batches 1 --resolutions 720 --detectors faceboxes \
      --json "$OUT/scaling-$n-$i.json" > "$OUT/scaling-$n-$i.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
done
"$node" -e '
const fs = require("fs"), out = process.argv[1], counts = process.argv.slice(2).map(Number);
const sum = (n) => { let s = 0; for (let i = 1; i <= n; i++) s += JSON.parse(fs.readFileSync(`${out}/scaling-${n}-${i}.json`, "utf8")).rows[0].analysed; return s; };
const one = sum(counts[0]) / counts[0];
const lines = ["| wasm vision processes | analysed frames/s (sum) | per process | vs N x one process |", "|---|---|---|---|"];
for (const n of counts) { const s = sum(n); lines.push(`| ${n} | ${s.toFixed(1)} | ${(s / n).toFixed(2)} | ${(s / (n * one)).toFixed(2)} |`); }
console.log(lines.join("\n"));
' "$OUT" ${COUNTS:-1 2 4 8} | tee "$OUT/scaling.md"

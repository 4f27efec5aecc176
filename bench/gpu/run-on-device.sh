#!/usr/bin/env bash
# Runs on the GPU machine from the repository root with .device/ carried; writes to $OUT.
set -euo pipefail
d=.device
xz -dc $d/node-v20.20.2-linux-x64.xz > /tmp/node && chmod +x /tmp/node
xz -dc $d/dawn.node.xz > /tmp/dawn.node
xz -d $d/chips/*.f32.xz
xz -d $d/frames/*.rgb.xz $d/gpu-check.cjs.xz $d/vision-bench.cjs.xz
for f in $d/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt" || true
cp $d/wasm.json "$OUT/wasm.json"
timeout 150 /tmp/node $d/gpu-check.cjs embed --backend webgpu --assets $d/assets --dawn /tmp/dawn.node --chips $d/chips --out "$OUT/webgpu.json" --runs 5 --batches 1,8,32,128,256
/tmp/node $d/compare.cjs "$OUT/wasm.json" "$OUT/webgpu.json" "dev machine, 1 core" | tee "$OUT/gpu-check.md"
# the whole vision stage (detect + landmarks + align + embed, batched) against 50 looped cameras at 5 fps
timeout 420 /tmp/node $d/vision-bench.cjs run --backend webgpu --dawn /tmp/dawn.node --assets $d/assets --frames $d/frames \
  --cameras 50 --fps 5 --seconds 15 --batches 1,16,48 --resolutions 1080,720 --detectors faceboxes,ssd --json "$OUT/vision.json" | tee "$OUT/vision.md"

// Compare the GPU check's webgpu embeddings with the wasm ones (same chips, index by index);
// print markdown tables; exit 1 when any cosine < 0.999.
const fs = require('node:fs');
const [wasmFile, gpuFile, wasmWhere] = process.argv.slice(2);
const wasm = JSON.parse(fs.readFileSync(wasmFile, 'utf8'));
const gpu = JSON.parse(fs.readFileSync(gpuFile, 'utf8'));
const cos = (a, b) => { let d = 0, x = 0, y = 0; for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; x += a[i] * a[i]; y += b[i] * b[i]; } return d / Math.sqrt(x * y); };
let ok = true;
const lines = ['| model | real face chips | min cosine webgpu vs wasm | median cosine | verdict |', '|---|---|---|---|---|'];
for (const model of ['resnet34', 'mobileface']) {
  const a = wasm[model], b = gpu[model];
  const sims = a.embeddings.map((e, i) => cos(e, b.embeddings[i])).sort((x, y) => x - y);
  const pass = a.embeddings.length === b.embeddings.length && sims[0] >= 0.999;
  ok = ok && pass;
  lines.push(`| ${a.modelId} | ${sims.length} | ${sims[0].toFixed(6)} | ${sims[Math.floor(sims.length / 2)].toFixed(6)} | ${pass ? 'PASS' : 'FAIL'} |`);
}
lines.push('', `| model | batch | wasm ms (${wasmWhere || 'wasm'}) | webgpu ms | wasm faces/s | webgpu faces/s |`, '|---|---|---|---|---|---|');
for (const model of ['resnet34', 'mobileface']) {
  const sizes = [...new Set([...Object.keys(wasm[model].batchMs), ...Object.keys(gpu[model].batchMs)])].map(Number).sort((x, y) => x - y);
  for (const bs of sizes) {
    const ms = wasm[model].batchMs[bs], g = gpu[model].batchMs[bs];
    const f = (v, fn) => (v === undefined ? '-' : fn(v));
    lines.push(`| ${model} | ${bs} | ${f(ms, (v) => v.toFixed(1))} | ${f(g, (v) => v.toFixed(1))} | ${f(ms, (v) => (bs / v * 1000).toFixed(0))} | ${f(g, (v) => (bs / v * 1000).toFixed(0))} |`);
  }
}
console.log(lines.join('\n'));
process.exit(ok ? 0 : 1);

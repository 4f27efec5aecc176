import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PairsEvaluation } from './pairs.evaluation.js';
import type { RocPoint } from './verification.metrics.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const pct = (x: number, d = 2) => `${(x * 100).toFixed(d)} %`;

const W = 480, H = 360, M = { l: 56, r: 16, t: 28, b: 44 };
const pw = W - M.l - M.r, ph = H - M.t - M.b;

function frame(title: string, xLabel: string, yLabel: string, xTicks: [number, string][], yTicks: [number, string][], body: string): string {
  const ticks = [
    ...xTicks.map(([x, l]) => `<line x1="${x}" y1="${M.t + ph}" x2="${x}" y2="${M.t + ph + 4}" stroke="#333"/><text x="${x}" y="${M.t + ph + 16}" text-anchor="middle">${esc(l)}</text>`),
    ...yTicks.map(([y, l]) => `<line x1="${M.l - 4}" y1="${y}" x2="${M.l}" y2="${y}" stroke="#333"/><text x="${M.l - 6}" y="${y + 4}" text-anchor="end">${esc(l)}</text>`),
  ].join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>
<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>
${ticks}
<text x="${M.l + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${M.t + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${M.t + ph / 2})">${esc(yLabel)}</text>
${body}
</svg>
`;
}

/** ROC with a log FAR axis (1e-4 .. 1): the low-FAR end is where verification thresholds live. */
export function rocSvg(roc: readonly RocPoint[], title: string): string {
  const lo = -4;
  const x = (far: number) => M.l + ((Math.log10(Math.max(far, 10 ** lo)) - lo) / -lo) * pw;
  const y = (tar: number) => M.t + (1 - tar) * ph;
  const pts = roc.filter((p) => p.far > 0).map((p) => `${x(p.far).toFixed(1)},${y(p.tar).toFixed(1)}`).join(' ');
  const xt: [number, string][] = [-4, -3, -2, -1, 0].map((e) => [x(10 ** e), `1e${e}`]);
  const yt: [number, string][] = [0, 0.25, 0.5, 0.75, 1].map((t) => [y(t), t.toFixed(2)]);
  return frame(title, 'false accept rate (log)', 'true accept rate', xt, yt, `<polyline fill="none" stroke="#1565c0" stroke-width="2" points="${pts}"/>`);
}

/** Genuine vs impostor distance histograms, with the chosen threshold as a line. */
export function histogramSvg(genuine: readonly number[], impostor: readonly number[], threshold: number, title: string): string {
  const all = [...genuine, ...impostor];
  const max = Math.max(threshold * 1.2, ...all, 1e-6);
  const bins = 50, bw = max / bins;
  const count = (xs: readonly number[]) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of xs) c[Math.min(bins - 1, Math.max(0, Math.floor(v / bw)))]!++;
    return c.map((n) => n / Math.max(1, xs.length));
  };
  const g = count(genuine), i = count(impostor);
  const top = Math.max(...g, ...i, 1e-6);
  const x = (d: number) => M.l + (d / max) * pw;
  const y = (f: number) => M.t + (1 - f / top) * ph;
  const bars = (c: number[], color: string) => c.map((f, k) => `<rect x="${x(k * bw).toFixed(1)}" y="${y(f).toFixed(1)}" width="${(pw / bins).toFixed(1)}" height="${(M.t + ph - y(f)).toFixed(1)}" fill="${color}" fill-opacity="0.55"/>`).join('');
  const xt: [number, string][] = [0, 0.25, 0.5, 0.75, 1].map((t) => [x(t * max), (t * max).toFixed(2)]);
  const yt: [number, string][] = [0, 0.5, 1].map((t) => [y(t * top), (t * top).toFixed(2)]);
  const legend = `<rect x="${M.l + pw - 120}" y="${M.t + 8}" width="10" height="10" fill="#2e7d32"/><text x="${M.l + pw - 105}" y="${M.t + 17}">genuine (${genuine.length})</text>`
    + `<rect x="${M.l + pw - 120}" y="${M.t + 24}" width="10" height="10" fill="#c62828"/><text x="${M.l + pw - 105}" y="${M.t + 33}">impostor (${impostor.length})</text>`;
  const line = `<line x1="${x(threshold)}" y1="${M.t}" x2="${x(threshold)}" y2="${M.t + ph}" stroke="#000" stroke-dasharray="4 3"/><text x="${x(threshold) + 3}" y="${M.t + 12}">t=${threshold.toFixed(4)}</text>`;
  return frame(title, 'cosine distance', 'fraction of pairs', xt, yt, bars(g, '#2e7d32') + bars(i, '#c62828') + line + legend);
}

export function pairsMarkdown(e: PairsEvaluation, command: string): string {
  const rows: [string, string][] = [
    ['model', `${e.modelId}${e.flip ? ' + flip' : ''}`],
    ['threshold protocol', e.protocol + (e.protocol === 'self' ? ' (chosen on the test pairs: optimistic)' : '')],
    ['threshold (cosine distance)', e.threshold.toFixed(4)],
    ['accuracy (failed pairs count as wrong)', e.folds ? `${pct(e.folds.mean)} ± ${pct(e.folds.std)}` : pct(e.accuracy)],
    ['accuracy (scored pairs only)', pct(e.accuracyScoredOnly)],
    ...(e.trainAccuracy !== undefined ? [['accuracy on the training pairs', pct(e.trainAccuracy)] as [string, string]] : []),
    ['ROC AUC', e.auc.toFixed(4)],
    ['EER', pct(e.eer)],
    ...e.tarAtFar.map((t): [string, string] => [`TAR @ FAR ${t.far}`, `${pct(t.tar)}${t.calibrated ? ` (threshold from training pairs: TAR ${pct(t.calibrated.testTar)} at test FAR ${pct(t.calibrated.testFar)})` : ''}`]),
    ['precision / recall / F1', `${e.confusion.precision.toFixed(4)} / ${e.confusion.recall.toFixed(4)} / ${e.confusion.f1.toFixed(4)}`],
    ['confusion (scored): TP FN FP TN', `${e.confusion.tp} ${e.confusion.fn} ${e.confusion.fp} ${e.confusion.tn}`],
    ['confusion (failed pairs as errors): TP FN FP TN', `${e.confusionStrict.tp} ${e.confusionStrict.fn} ${e.confusionStrict.fp} ${e.confusionStrict.tn}`],
    ['pairs: total / scored / failed', `${e.pairs.total} / ${e.pairs.scored} / ${e.pairs.failed}`],
    ['images without embedding (no face / unreadable)', `${e.failures.images} (${e.failures.noFace} / ${e.failures.error})`],
    ['faces the quality gate would reject (embedded anyway)', String(e.qualityRejected)],
    ['which pass found the face (tight-crop retries)', Object.entries(e.passes ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
    ['median distance genuine / impostor', `${e.distances.genuineMedian.toFixed(4)} / ${e.distances.impostorMedian.toFixed(4)}`],
    ['engine time per image', `${e.timing.msPerImage} ms (${e.timing.computed} computed now, ${e.timing.fromCache} from cache)`],
  ];
  return `# Verification report\n\n\`${command}\`\n\n| metric | value |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\n`
    + `![ROC](roc.svg)\n\n![distances](distances.svg)\n\n`
    + (e.failures.pairList.length ? `## Pairs without a score\n\n${e.failures.pairList.map((f) => `- line ${f.line}: ${f.a} vs ${f.b} (${f.same ? 'genuine' : 'impostor'}): ${f.reason}`).join('\n')}\n\n` : '')
    + (e.wrongPairs.length ? `## Wrong answers at the threshold\n\n${e.wrongPairs.map((w) => `- line ${w.line}: ${w.a} vs ${w.b} (${w.same ? 'genuine' : 'impostor'}), distance ${w.distance}`).join('\n')}\n` : '');
}

/** report folder: report.md, roc.svg, distances.svg, report.json. */
export async function writePairsReport(dir: string, e: PairsEvaluation, command: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.md', pairsMarkdown(e, command)],
    ['roc.svg', rocSvg(e.roc, `ROC — ${e.modelId}${e.flip ? ' + flip' : ''} (AUC ${e.auc.toFixed(4)})`)],
    ['distances.svg', histogramSvg(e.distances.genuine, e.distances.impostor, e.threshold, 'genuine vs impostor cosine distance')],
    ['report.json', JSON.stringify(e, null, 2) + '\n'],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([n]) => join(dir, n));
}

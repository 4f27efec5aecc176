/**
 * Build open-set identification sets from the shared data as folders of symbolic links
 * (DIR/<person>/<image>), for `facestream calibrate --identify` and `facestream eval identify`:
 *   lfw-train/  people of LFW pairsDevTrain   (tune here)
 *   lfw-test/   people of LFW pairsDevTest    (evaluate here: no person in common with train)
 *   bbt/        the bbt crops: 4 people enrolled from one crop each, 3 people as strangers
 *   bbt-2photos/ the same with two crops per enrolled person
 * Each set has gallery/ (one photo per enrolled person) and probes/ (the enrolled people's other
 * photos, plus strangers: people with a single photo, never enrolled).
 *   npx tsx scripts/open-set-sets.ts OUT_DIR [maxEnrolled=150] [maxStrangers=300]
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readLfwPairs } from '../src/evaluation/lfw-pairs.protocol.js';

const data = resolve(process.env.FACESTREAM_TEST_DATA ?? resolve(import.meta.dirname, '../../shared/data'));
const out = resolve(process.argv[2] ?? '.cache/open-set');
const maxEnrolled = Number(process.argv[3] ?? 150);
const maxStrangers = Number(process.argv[4] ?? 300);

const link = (from: string, dir: string, name: string) => { mkdirSync(dir, { recursive: true }); symlinkSync(from, join(dir, name)); };

function lfwSet(pairsFile: string, name: string): void {
  const images = new Map<string, Set<number>>();
  for (const p of readLfwPairs(join(data, 'lfw-view1', pairsFile)).pairs) {
    for (const side of [p.a, p.b]) {
      const set = images.get(side.name) ?? new Set<number>();
      set.add(side.index);
      images.set(side.name, set);
    }
  }
  const people = [...images.keys()].sort();
  const multi = people.filter((n) => images.get(n)!.size >= 2).slice(0, maxEnrolled);
  const single = people.filter((n) => images.get(n)!.size === 1).slice(0, maxStrangers);
  const file = (n: string, i: number) => join(data, 'lfw-view1', 'images', n, `${n}_${String(i).padStart(4, '0')}.jpg`);
  for (const n of multi) {
    const [first, ...rest] = [...images.get(n)!].sort((a, b) => a - b);
    link(file(n, first!), join(out, name, 'gallery', n), `${first}.jpg`);
    for (const i of rest) link(file(n, i), join(out, name, 'probes', n), `${i}.jpg`);
  }
  for (const n of single) {
    const [i] = [...images.get(n)!];
    link(file(n, i!), join(out, name, 'probes', n), `${i}.jpg`);
  }
  console.log(`${name}: ${multi.length} enrolled people, ${single.length} strangers`);
}

/** bbt: 4 of the 7 people enrolled with `photos` crops each, the rest of theirs as probes, 3 strangers. */
function bbtSet(name: string, photos: number): void {
  const dir = join(data, 'people', 'bbt');
  const people = readdirSync(dir).sort();
  people.forEach((n, k) => {
    const files = readdirSync(join(dir, n)).sort();
    const enrolled = k % 2 === 0;
    files.forEach((f, i) => link(join(dir, n, f), join(out, name, enrolled && i < photos ? 'gallery' : 'probes', n), f));
  });
  console.log(`${name}: ${people.filter((_, k) => k % 2 === 0).length} enrolled people (${photos} photos each), ${people.filter((_, k) => k % 2 === 1).length} strangers`);
}

rmSync(out, { recursive: true, force: true });
lfwSet('pairsDevTrain.txt', 'lfw-train');
lfwSet('pairsDevTest.txt', 'lfw-test');
bbtSet('bbt', 1);
bbtSet('bbt-2photos', 2);

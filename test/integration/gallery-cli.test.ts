import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/index.js';
import { dataPath, repoRoot } from '../helpers/data.js';

const run = promisify(execFile);
// the CLI straight from source (tsx), so this test needs no build step
const entry = ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(repoRoot, 'src/cli/main.ts'))}); await m.main(['node', 'facestream', ...process.argv.slice(1)]);`, '--'];
const env = (extra: Record<string, string> = {}) => {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(e)) if (k.startsWith('FACESTREAM_') && k !== 'FACESTREAM_TEST_DATA' && !(k in extra)) delete e[k];
  return e;
};

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...entry, ...args], { cwd: repoRoot, env: env(extraEnv), maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
let photos: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fs-gallery-cli-'));
  // two of the six gallery people (links, not copies), to keep this CLI test quick
  photos = path.join(dir, 'photos');
  for (const [person, files] of [['obama', ['obama.jpg', 'obama2.jpg']], ['kit_harington', ['john1.jpeg', 'john2.jpeg']]] as const) {
    mkdirSync(path.join(photos, person), { recursive: true });
    for (const f of files) symlinkSync(dataPath('people/gallery', person, f), path.join(photos, person, f));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('facestream gallery commands', () => {
  it('enroll --dir, identify, people list, export/import, keys, rejects, delete', { timeout: 300_000 }, async () => {
    const enroll = await cli(['--data-dir', dir, 'enroll', '--dir', photos, '--json']);
    expect(enroll.code, enroll.stderr).toBe(0);
    const summary = JSON.parse(enroll.stdout) as { accepted: number; rejected: number; results: { person: string; status: string }[] };
    expect(summary).toMatchObject({ accepted: 4, rejected: 0 });
    expect(new Set(summary.results.map((r) => r.person))).toEqual(new Set(['obama', 'kit_harington']));

    // the data directory from the environment (data.dir) instead of --data-dir
    const ident = await cli(['identify', dataPath('people/probes/kit_with_rose.jpg'), '--json'], { FACESTREAM_DATA_DIR: dir });
    expect(ident.code, ident.stderr).toBe(0);
    const faces = (JSON.parse(ident.stdout) as { faces: { box: object; match: { name: string; distance: number; ambiguous: boolean } }[] }).faces;
    // rose_leslie is not enrolled here: her face is unknown (name null)
    expect(faces.map((f) => f.match.name ?? 'unknown').sort()).toEqual(['kit_harington', 'unknown']);
    for (const f of faces) expect(f).toMatchObject({ box: expect.any(Object), match: { distance: expect.any(Number), ambiguous: false } });

    const two = await cli(['--data-dir', dir, 'enroll', '--name', 'obama', dataPath('people/probes/obama_and_biden.jpg'), '--json']);
    expect(two.code).toBe(1);
    expect(JSON.parse(two.stdout)).toMatchObject({ accepted: 0, rejected: 1, results: [{ reason: 'several_faces' }] });

    const list = await cli(['--data-dir', dir, 'people', 'list', '--json']);
    const people = JSON.parse(list.stdout) as { id: string; name: string; samples: number }[];
    expect(people.map((p) => p.name)).toEqual(['kit_harington', 'obama']);

    const exportFile = path.join(dir, 'gallery.json');
    expect((await cli(['--data-dir', dir, 'gallery', 'export', exportFile])).code).toBe(0);
    const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as { people: { samples: { embedding: string; thumbnail: string }[] }[] };
    expect(exported.people.flatMap((p) => p.samples)).toHaveLength(4);
    const other = path.join(dir, 'copy');
    const imp = await cli(['--data-dir', other, 'gallery', 'import', exportFile]);
    expect(JSON.parse(imp.stdout)).toEqual({ people: 2, samples: 4, skipped: 0 });

    const kit = people.find((p) => p.name === 'kit_harington')!;
    const del = await cli(['--data-dir', dir, 'people', 'delete', kit.id]);
    expect(JSON.parse(del.stdout)).toMatchObject({ personId: kit.id, samples: 2 });
    const gone = await cli(['--data-dir', dir, 'people', 'show', kit.id]);
    expect(gone.code).toBe(errorCodes.E_NOT_FOUND);
    expect(gone.stderr).toMatch(/E_NOT_FOUND/);

    const key = await cli(['--data-dir', dir, 'keys', 'create', '--role', 'viewer', '--name', 'ci']);
    expect(key.stdout.trim()).toMatch(/^fsk_[\w-]{8}_[\w-]{43}$/);
    const keys = JSON.parse((await cli(['--data-dir', dir, 'keys', 'list'])).stdout) as object[];
    expect(JSON.stringify(keys)).not.toContain(key.stdout.trim());
    expect(keys).toEqual([expect.objectContaining({ name: 'ci', role: 'viewer' })]);
  });

  it('serve answers on the configured port and stops on SIGTERM', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [...entry, '--data-dir', dir, 'serve'], { cwd: repoRoot, env: env({ FACESTREAM_API_PORT: '0' }) });
    let out = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { out += d; const m = /"address":"(http:[^"]+)"/.exec(out); if (m) resolve(m[1]!); });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const ready = await fetch(`${address}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ready', people: 1, indexSize: 2 });
    expect((await fetch(`${address}/api/people`)).status).toBe(401);
    const code = await new Promise<number | null>((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
    expect(code).toBe(0);
  });

  it('a family enrolled from one folder keeps every member (look-alikes flagged); correct --is / --not teach from photos', { timeout: 300_000 }, async () => {
    // LFW DevTest's closest cross-person pair (Kim Yong-il ~ Tang Jiaxuan, 0.032-0.05: under the 1:1 threshold 0.0833)
    const lfw = (name: string, i: number) => dataPath(`lfw-view1/images/${name}/${name}_000${i}.jpg`);
    const family = path.join(dir, 'family');
    const data = path.join(dir, 'family-data');
    for (const [person, file] of [['Kim', lfw('Kim_Yong-il', 1)], ['Tang', lfw('Tang_Jiaxuan', 6)]] as const) {
      mkdirSync(path.join(family, person), { recursive: true });
      symlinkSync(file, path.join(family, person, path.basename(file)));
    }
    const enroll = await cli(['--data-dir', data, 'enroll', '--dir', family]);
    expect(enroll.code, enroll.stderr).toBe(0);
    expect(enroll.stdout).toMatch(/2 accepted, 0 skipped, 0 rejected/);
    expect(enroll.stdout).toMatch(/look-alike pairs[^\n]*\n\s+(Kim ~ Tang|Tang ~ Kim)\s+distance 0\.0\d+/);
    // --not: Tang's other photo becomes evidence that it is not Kim
    const not = await cli(['--data-dir', data, 'correct', lfw('Tang_Jiaxuan', 1), '--not', 'Kim', '--json']);
    expect(not.code, not.stderr).toBe(0);
    expect(JSON.parse(not.stdout)).toMatchObject({ not: { name: 'Kim' }, evidence: 1 });
    // --is: a photo added as a sample even where it matches someone else (the user's word)
    const is = await cli(['--data-dir', data, 'correct', lfw('Tang_Jiaxuan', 3), '--is', 'Tang', '--json']);
    expect(is.code, is.stderr).toBe(0);
    expect(JSON.parse(is.stdout)).toMatchObject({ is: { name: 'Tang', created: false }, result: { status: 'accepted' } });
    const ident = await cli(['--data-dir', data, 'identify', lfw('Tang_Jiaxuan', 1), '--json']);
    const faces = (JSON.parse(ident.stdout) as { faces: { match: { name: string | null } }[] }).faces;
    expect(faces.map((f) => f.match.name)).not.toContain('Kim');
    expect((await cli(['--data-dir', data, 'correct', lfw('Tang_Jiaxuan', 1), '--not', 'Nobody'])).code).not.toBe(0);
    expect((await cli(['--data-dir', data, 'correct', lfw('Tang_Jiaxuan', 1)])).stderr).toMatch(/--is NAME or --not NAME/);
  });
});

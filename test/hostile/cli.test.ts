import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/index.js';
import { assertPersonId, isPersonId } from '../../src/identify/people.service.js';
import { DataStore } from '../../src/store/data.store.js';
import { cli, expectUntouched, hostileIds, pngDeclaring, pool, Sandbox, unknownUuid } from '../helpers/hostile.js';

/**
 * Hostile command-line arguments, through the real `facestream` CLI in child processes (from
 * source, as test/integration/gallery-cli.test.ts). Each case: the exit code of its error, one
 * line `facestream: CODE: message` on stderr (no stack trace, no raw control characters), nothing
 * on stdout, nothing outside the data directory touched, people/samples unchanged.
 *
 * Person ids: every hostile id of helpers.hostileIds goes through the same check in-process
 * (assertPersonId, the function the CLI commands call first); a representative set goes through
 * spawned commands (each spawn costs ~3 s on two cores; traversal.test.ts spawns people delete
 * with ../../victim and ../../..). A NUL byte cannot be passed in argv at all. Config files and
 * environment in depth: config.test.ts (in-process); here one of each through the CLI.
 */

const sandbox = new Sandbox('cli');
const dd = ['--data-dir', sandbox.dataDir];
let seed: string;
const counts = () => {
  const s = DataStore.open(sandbox.dataDir);
  try { return { people: s.people.count(), samples: s.samples.count(), names: s.people.list().map((p) => p.name) }; } finally { s.close(); }
};

beforeAll(() => {
  const s = DataStore.open(sandbox.dataDir);
  try { seed = s.people.create('Seed').id; } finally { s.close(); }
  writeFileSync(path.join(sandbox.root, 'bomb.png'), pngDeclaring(30000, 30000));
});
afterAll(() => sandbox.remove());

/** `commander`: a usage error commander itself reports (`error: ...` and the command's help), exit 64. */
interface CliCase { name: string; input: { args: string[]; env?: Record<string, string> }; expect: { code: keyof typeof errorCodes; message?: RegExp; commander?: true } }

/** A stack frame line: `    at fn (file:1:2)`. */
const stackTrace = /\n\s+at .*:\d+:\d+\)?$/m;

const usage = { code: 'E_USAGE' as const, message: /not a person id/ };

export const cliCases: CliCase[] = [
  ...['../../victim', `\u202e${unknownUuid}`, 'x'.repeat(100_000)]
    .map((id) => ({ name: `people show ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}... (${id.length} chars)` : id)}`, input: { args: [...dd, 'people', 'show', id] }, expect: usage })),
  { name: 'people rename ../../.. with an SQL name', input: { args: [...dd, 'people', 'rename', '../../..', "x'; DROP TABLE people;--"] }, expect: usage },
  { name: 'people delete sightings (the crops sub-folder)', input: { args: [...dd, 'people', 'delete', 'sightings'] }, expect: usage },
  { name: 'people show: a well-formed unknown id is E_NOT_FOUND, not E_USAGE', input: { args: [...dd, 'people', 'show', unknownUuid] }, expect: { code: 'E_NOT_FOUND' } },
  { name: 'embed: decompression bomb (PNG declaring 30000x30000)', input: { args: [...dd, 'embed', path.join(sandbox.root, 'bomb.png')] }, expect: { code: 'E_IMAGE_TOO_LARGE' } },
  { name: '--backend not a backend', input: { args: [...dd, '--backend', '../../evil', 'people', 'list'] }, expect: { code: 'E_USAGE', message: /argument '\.\.\/\.\.\/evil' is invalid/, commander: true } },
  { name: '--config /etc/passwd', input: { args: [...dd, '--config', '/etc/passwd', 'people', 'list'] }, expect: { code: 'E_CONFIG', message: /must hold a mapping/ } },
  { name: 'env FACESTREAM_API_PORT=.nan', input: { args: [...dd, 'people', 'list'], env: { FACESTREAM_API_PORT: '.nan' } }, expect: { code: 'E_CONFIG', message: /api\.port/ } },
  { name: 'purge --before SQL', input: { args: [...dd, 'purge', '--before', "2025-01-01' OR 1=1;--"] }, expect: { code: 'E_USAGE', message: /not a date/ } },
  { name: 'run --camera concat: (an ffmpeg protocol reading local files)', input: { args: [...dd, 'run', '--camera', 'concat:/etc/passwd|/etc/shadow'] }, expect: { code: 'E_CAMERA_URL' } },
];

describe('hostile CLI arguments: one clear line, a distinct exit code, nothing touched', () => {
  it('every hostile person id is refused by the check the commands run first (E_USAGE, exit 64)', () => {
    for (const { name, id } of hostileIds) {
      expect(isPersonId(id), name).toBe(false);
      expect(() => assertPersonId(id), name).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 64 }));
      let message = '';
      try { assertPersonId(id); } catch (e) { message = (e as Error).message; }
      // the id is quoted, escaped and cut: no raw NUL/newline/RTL mark, no 10 kB echo
      // eslint-disable-next-line no-control-regex
      expect(message, name).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
      expect(message.length, name).toBeLessThan(300);
    }
    expect(isPersonId(unknownUuid)).toBe(true);
  });

  it(`spawned commands (${cliCases.length} cases)`, { timeout: 180_000 }, async () => {
    const before = counts();
    const results = await pool(cliCases, 2, async (c) => {
      const outside = sandbox.outside();
      const r = await cli(c.input.args, c.input.env);
      return { c, r, outside, after: sandbox.outside() };
    });
    for (const { c, r, outside, after } of results) {
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(errorCodes[c.expect.code]);
      expectUntouched(outside, after, c.name);
      if (c.expect.commander) {
        expect(r.stderr, c.name).toMatch(/^error: /);
        expect(r.stderr, c.name).toMatch(c.expect.message!);
        expect(r.stderr, c.name).not.toMatch(stackTrace);
        continue;
      }
      const lines = r.stderr.trim().split('\n');
      expect(lines, `${c.name}: ${r.stderr}`).toHaveLength(1);
      expect(lines[0], c.name).toMatch(new RegExp(`^facestream: ${c.expect.code}: `));
      if (c.expect.message) expect(lines[0], c.name).toMatch(c.expect.message);
      // eslint-disable-next-line no-control-regex
      expect(lines[0], c.name).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202a-\u202e]/);
      expect(lines[0]!.length, c.name).toBeLessThan(2000);
      expect(r.stderr, c.name).not.toMatch(stackTrace);
      expect(r.stdout, c.name).toBe('');
    }
    expect(counts()).toEqual(before);
  });

  it('a hostile name is data: people rename <id> "\'; DROP TABLE people;--" stores it verbatim', { timeout: 60_000 }, async () => {
    const outside = sandbox.outside();
    const name = "Robert'); DROP TABLE people;-- <script>alert(1)</script>";
    const r = await cli([...dd, 'people', 'rename', seed, name]);
    expect(r.code, r.stderr).toBe(0);
    const show = await cli([...dd, 'people', 'show', seed]);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: seed, name });
    expect(counts()).toMatchObject({ people: 1, samples: 0, names: [name] });
    expectUntouched(outside, sandbox.outside(), 'rename');
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README is the front door and docs/ holds the rest: every relative link in them must
 * reach a file (and a heading, for `#anchor` links into Markdown; http(s) links are not
 * fetched), the README stays short, names the test command CI runs and the reason for every
 * dependency, and the docs' `import { ... } from 'facestream'` names exist in src/index.ts.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const readmeMaxLines = 300;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(p);
    return e.isFile() && e.name.endsWith('.md') ? [p] : [];
  });
}

/** The lines outside fenced code blocks (``` or ~~~), so code samples are neither links nor headings. */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      const mark = m[1]!;
      if (fence === null) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = null;
      out.push('');
      continue;
    }
    out.push(fence === null ? line : '');
  }
  return out;
}

/** GitHub's heading anchor: the rendered text, lower-cased, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*~]/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link { file: string; line: number; target: string }

function links(file: string): Link[] {
  const out: Link[] = [];
  proseLines(readFileSync(file, 'utf8')).forEach((raw, i) => {
    const line = raw.replace(/(`+)[^`]*?\1/g, '');                 // inline code is not a link
    for (const m of line.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ file, line: i + 1, target: m[1]! });
    }
  });
  return out;
}

const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
const where = (l: Link) => `${relative(root, l.file)}:${l.line} -> ${l.target}`;

describe('README and docs/', () => {
  it(`README.md has at most ${readmeMaxLines} lines`, () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(readmeMaxLines);
  });

  it('README.md names the test command CI runs (npm test)', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/`npm test`/);
  });

  it('README.md gives the reason for every dependency in package.json', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Dependencies'));
    const rows = section.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|')[1] ?? '');
    const named = new Set(rows.flatMap((cell) => cell.split(',').map((n) => n.trim().split(' ')[0]!)));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    const missing = deps.filter((d) => !named.has(d) && !(d.startsWith('@types/') && named.has('@types/*')));
    expect(missing, 'add a line to the README\'s "## Dependencies" table').toEqual([]);
  });

  it('every relative link reaches a file inside the repository, and every #anchor a heading', () => {
    const broken: string[] = [];
    const anchorCache = new Map<string, Set<string>>();
    let checked = 0;
    for (const link of files.flatMap(links)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target) || link.target.startsWith('//')) continue;  // http(s), mailto, ...
      checked++;
      const hash = link.target.indexOf('#');
      const pathPart = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
      const anchor = hash < 0 ? null : decodeURIComponent(link.target.slice(hash + 1));
      const target = pathPart === '' ? link.file : resolve(dirname(link.file), pathPart);
      if (relative(root, target).startsWith('..')) { broken.push(`${where(link)} (outside the repository)`); continue; }
      if (!existsSync(target)) { broken.push(`${where(link)} (no such file)`); continue; }
      if (anchor === null) continue;
      if (!statSync(target).isFile() || !target.endsWith('.md')) {
        broken.push(`${where(link)} (an anchor into a file that is not Markdown)`);
        continue;
      }
      let known = anchorCache.get(target);
      if (!known) { known = anchors(target); anchorCache.set(target, known); }
      if (!known.has(anchor)) broken.push(`${where(link)} (no heading #${anchor} in ${relative(root, target)})`);
    }
    expect(checked).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });

  it("the docs import from 'facestream' only what src/index.ts exports", () => {
    const entry = readFileSync(join(root, 'src/index.ts'), 'utf8');
    const exported = new Set<string>();
    for (const m of entry.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
      for (const part of m[1]!.split(',')) {
        const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
        if (name) exported.add(name);
      }
    }
    for (const m of entry.matchAll(/export\s+(?:async\s+)?(?:function|class|const|let|interface|type)\s+(\w+)/g)) exported.add(m[1]!);
    const wrong: string[] = [];
    let imports = 0;
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'facestream'/g)) {
        imports++;
        for (const part of m[1]!.split(',')) {
          const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
          if (name && !exported.has(name)) wrong.push(`${relative(root, file)}: ${name}`);
        }
      }
    }
    expect(imports).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  it('the anchor slugs follow GitHub', () => {
    expect(slug('Names on live video')).toBe('names-on-live-video');
    expect(slug('Threads per worker (`engine.wasmThreads`, `npm run bench:threads`)'))
      .toBe('threads-per-worker-enginewasmthreads-npm-run-benchthreads');
    expect(slug('MQTT and Home Assistant')).toBe('mqtt-and-home-assistant');
    expect(slug('**Two witnesses** and a [link](x.md)')).toBe('two-witnesses-and-a-link');
    expect(slug('Recognition: how a face gets a name')).toBe('recognition-how-a-face-gets-a-name');
    expect(slug('1. Mislabel bound for enrolment (from DevTrain)')).toBe('1-mislabel-bound-for-enrolment-from-devtrain');
  });
});

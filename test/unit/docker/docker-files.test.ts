import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildProgram } from '../../../src/cli/main.js';
import { configLeaves, configSchema, envNameOf, loadConfig } from '../../../src/config/index.js';
import { nonConfigEnv } from '../../../src/config/load.js';
import { PipelineMetrics } from '../../../src/metrics/pipeline.metrics.js';
import { registerProcessMetrics, registerWebhookCounters } from '../../../src/ops/ops.metrics.js';
import { repoRoot } from '../../helpers/data.js';

const dockerDir = path.join(repoRoot, 'docker');
const read = (f: string) => readFileSync(path.join(dockerDir, f), 'utf8');

interface Instruction { op: string; args: string; line: number }

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '', start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line.startsWith('#') || !line)) return;
    if (!buf) start = i + 1;
    if (line.endsWith('\\')) { buf += line.slice(0, -1) + ' '; return; }
    buf += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(buf);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
    buf = '';
  });
  return out;
}

const envNames = new Set([...configLeaves(configSchema).map((l) => envNameOf(l.path)), ...nonConfigEnv]);

/** Resolve `facestream <args>` against the real commander program: every word must be a command or an allowed argument value. */
function checkCli(args: string[]): string | undefined {
  let cmd: Command = buildProgram();
  const words = args.filter((a) => !a.startsWith('-'));
  for (let i = 0; i < words.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (sub) { cmd = sub; continue; }
    const argDef = cmd.registeredArguments[0];
    if (!argDef) return `${cmd.name()}: unknown subcommand ${words[i]}`;
    if (argDef.argChoices && !argDef.argChoices.includes(words[i]!)) return `${cmd.name()}: ${words[i]} is not one of ${argDef.argChoices.join('|')}`;
    return undefined;
  }
  return undefined;
}

const dockerfiles = ['Dockerfile', 'Dockerfile.gpu'];

describe('docker files', () => {
  for (const name of dockerfiles) {
    describe(name, () => {
      const ins = parseDockerfile(read(name));

      it('is multi-stage, runs as a non-root user, ENTRYPOINT is the facestream CLI', () => {
        expect(ins.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(2);
        const user = ins.filter((i) => i.op === 'USER').pop();
        expect(user?.args).toBeDefined();
        expect(['root', '0']).not.toContain(user!.args.trim());
        const entry = JSON.parse(ins.filter((i) => i.op === 'ENTRYPOINT').pop()!.args) as string[];
        expect(entry.slice(-1)[0]).toBe('bin/facestream.js');
        expect(existsSync(path.join(repoRoot, 'bin/facestream.js'))).toBe(true);
        expect(ins.some((i) => i.op === 'RUN' && /apt-get install[^&]*\bffmpeg\b/.test(i.args))).toBe(true);
        expect(ins.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
      });

      it('copies only paths that exist in the repository (build context = repo root)', () => {
        for (const i of ins.filter((x) => x.op === 'COPY' && !/--from=/.test(x.args))) {
          const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
          for (const src of parts.slice(0, -1)) expect(existsSync(path.join(repoRoot, src)), `${name}:${i.line} COPY ${src}`).toBe(true);
        }
      });

      it('sets only FACESTREAM_* variables the config schema knows', () => {
        const used = [...read(name).matchAll(/\bFACESTREAM_[A-Z0-9_]+/g)].map((m) => m[0]);
        expect(used.length).toBeGreaterThan(0);
        for (const v of used) expect(envNames.has(v), `${name}: ${v}`).toBe(true);
      });

      it('CMD is an existing subcommand', () => {
        const cmd = ins.filter((i) => i.op === 'CMD').pop();
        if (cmd) expect(checkCli(JSON.parse(cmd.args) as string[])).toBeUndefined();
      });
    });
  }

  describe('compose.yaml', () => {
    const compose = YAML.parse(read('compose.yaml'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; volumes?: string[]; build?: { context: string; dockerfile: string }; profiles?: string[]; deploy?: { resources?: { reservations?: { devices?: unknown[] } } } }>;
      volumes: Record<string, unknown>;
    };
    const roles = Object.entries(compose.services).filter(([, s]) => s.build);

    it('has redis with AOF on a volume, a hub with a data volume, scalable vision workers, ingest and a gpu profile', () => {
      const redis = compose.services.redis!;
      expect(redis.command).toContain('--appendonly');
      expect(redis.volumes?.some((v) => v.startsWith('redis-data:'))).toBe(true);
      expect(compose.services.hub!.volumes?.some((v) => v.startsWith('facestream-data:/data'))).toBe(true);
      expect(compose.services.hub!.environment?.FACESTREAM_DATA_DIR).toBe('/data');
      // --scale needs no fixed container name and no published host port
      expect(compose.services.vision).not.toHaveProperty('container_name');
      expect(compose.services.vision).not.toHaveProperty('ports');
      expect(compose.services.ingest!.command).toEqual(['worker', 'ingest']);
      const gpu = compose.services['vision-gpu']!;
      expect(gpu.profiles).toEqual(['gpu']);
      expect(gpu.deploy?.resources?.reservations?.devices?.length).toBe(1);
    });

    it('runs existing CLI subcommands', () => {
      for (const [name, s] of roles) expect(checkCli(s.command ?? []), name).toBeUndefined();
    });

    it('uses only known FACESTREAM_* variables, and their values pass the config schema', () => {
      for (const [name, s] of roles) {
        const env = s.environment ?? {};
        for (const k of Object.keys(env).filter((x) => x.startsWith('FACESTREAM_'))) expect(envNames.has(k), `${name}: ${k}`).toBe(true);
        const { FACESTREAM_CONFIG: _file, ...rest } = env;
        expect(() => loadConfig({ env: rest, file: path.join(dockerDir, 'facestream.example.yaml') }), name).not.toThrow();
      }
    });

    it('builds from existing Dockerfiles and mounts existing files', () => {
      for (const [name, s] of roles) {
        expect(existsSync(path.join(dockerDir, s.build!.context, s.build!.dockerfile)), name).toBe(true);
        for (const v of s.volumes ?? []) {
          // ${VAR:-default} takes its default, as compose does when VAR is unset
          const src = v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').split(':')[0]!;
          if (src.startsWith('.')) expect(existsSync(path.join(dockerDir, src)), `${name}: ${v}`).toBe(true);
          else expect(compose.volumes, `${name}: named volume ${src}`).toHaveProperty(src);
        }
      }
      for (const [, s] of Object.entries(compose.services)) {
        for (const v of s.volumes ?? []) if (v.startsWith('./')) expect(existsSync(path.join(dockerDir, v.split(':')[0]!)), v).toBe(true);
      }
    });
  });

  it('every image builds on one Node base, the major .ci/run tests (scripts/node-lts.sh --major N)', () => {
    const bases = ['Dockerfile', 'Dockerfile.gpu', 'redis.Dockerfile'].map((f) => /^ARG NODE_IMAGE=(\S+)$/m.exec(read(f))?.[1]);
    expect(new Set(bases).size, bases.join(', ')).toBe(1);
    const major = /^node:(\d+)-/.exec(bases[0] ?? '')?.[1];
    expect(major, String(bases[0])).toBeDefined();
    expect(readFileSync(path.join(repoRoot, '.ci/run'), 'utf8')).toContain(`scripts/node-lts.sh --major ${major} test`);
  });

  it('the Grafana dashboard only queries metrics the code registers', () => {
    const registry = new Registry();
    new PipelineMetrics(registry);
    registerWebhookCounters(registry);
    registerProcessMetrics(registry, [{ tf: { memory: () => ({ numTensors: 0 }) } }]);
    const names = new Set<string>();
    for (const m of registry.getMetricsAsArray()) {
      names.add(m.name);
      if (String((m as unknown as { type: unknown }).type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    }
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { panels: { targets: { expr: string }[] }[] };
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(facestream_\w+|process_\w+|nodejs_\w+)/g)].map((m) => m[1]!)));
    expect(used.length).toBeGreaterThan(10);
    for (const u of used) expect(names.has(u), u).toBe(true);
  });
});

import { readdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { ApiServer } from '../../api/server.js';
import type { Config } from '../../config/index.js';
import type { FacePipeline } from '../../vision/face.pipeline.js';
import { openFacePipeline } from '../../roles/face-pipeline.factory.js';
import { EngineThread } from '../../roles/engine-thread.js';
import type { FaceAnalyzer } from '../../identify/gallery.types.js';
import type { EnrollOutcome } from '../../identify/enrollment.service.js';
import { openGallery, type Gallery } from '../../identify/gallery.js';
import { assertPersonId } from '../../identify/people.service.js';
import { DataStore } from '../../store/data.store.js';
import { apiRoles, type ApiRole } from '../../store/keys.repository.js';
import { configFrom, FaceStreamError, printJson, runCommand } from '../context.js';

const imageExt = /\.(jpe?g|png|webp)$/i;

/** Open the engine and the gallery of the configured data directory; `use` runs, then both close. */
async function withGallery<T>(cmd: Command, use: (g: Gallery, engine: FacePipeline, config: Readonly<Config>) => Promise<T>, saveDelayMs = 0): Promise<T> {
  const config = configFrom(cmd);
  const engine = await openFacePipeline(config);
  return withGalleryOf(config, engine, use as (g: Gallery, engine: FaceAnalyzer & { close(): unknown }, config: Readonly<Config>) => Promise<T>, saveDelayMs);
}

/** The gallery over an engine already open; both close after `use`. */
async function withGalleryOf<T, E extends FaceAnalyzer & { close(): unknown }>(config: Readonly<Config>, engine: E, use: (g: Gallery, engine: E, config: Readonly<Config>) => Promise<T>, saveDelayMs: number): Promise<T> {
  try {
    const gallery = openGallery({
      dataDir: path.resolve(config.data.dir), engine, settings: config.gallery, saveDelayMs,
      logger: { info: () => {}, warn: (o, m) => process.stderr.write(`facestream: warning: ${m ?? ''} ${JSON.stringify(o)}\n`) },
    });
    try {
      return await use(gallery, engine, config);
    } finally {
      gallery.close();
    }
  } finally {
    await engine.close();
  }
}

/** The database alone (people and keys commands need no model). */
function withStore<T>(cmd: Command, use: (s: DataStore) => T): T {
  const store = DataStore.open(path.resolve(configFrom(cmd).data.dir));
  try { return use(store); } finally { store.close(); }
}

/** The person with this name, created when there is none; an error when several share it. */
function personNamed(g: Gallery, name: string): { id: string; created: boolean } {
  const p = g.people.personByName(name);
  return p ? { id: p.id, created: false } : { id: g.people.createPerson(name).id, created: true };
}

function outcomeLine(o: EnrollOutcome): string {
  if (o.status === 'accepted') return `accepted  ${o.file}  (sample ${o.sampleId})${o.lookalikes?.length ? `  looks like ${o.lookalikes.map((l) => `${l.name} (${l.distance})`).join(', ')}` : ''}`;
  return `${o.status.padEnd(8)}  ${o.file}  ${o.reason}: ${o.detail}`;
}

/** enroll, identify, people, gallery, keys, reindex, serve. */
export function registerGalleryCommands(program: Command): void {
  program.command('enroll')
    .description('add people to the gallery: --dir DIR (one sub-folder per person, named after them) or --name NAME photo...')
    .argument('[photos...]', 'photos of the person given by --name')
    .option('--dir <dir>', 'folder with one sub-folder of photos per person')
    .option('--name <name>', 'the person the photos show (created when new)')
    .option('--force', 'add faces even when they match a different enrolled person')
    .option('--json', 'print the per-file summary as JSON')
    .action((photos: string[], opts: { dir?: string; name?: string; force?: boolean; json?: boolean }, cmd: Command) => runCommand(async () => {
      if (Boolean(opts.dir) === Boolean(opts.name)) throw new FaceStreamError('E_USAGE', 'give either --dir DIR or --name NAME photo...');
      if (opts.name && photos.length === 0) throw new FaceStreamError('E_USAGE', '--name needs at least one photo');
      const jobs: { name: string; file: string }[] = [];
      if (opts.dir) {
        let entries: string[];
        try { entries = readdirSync(opts.dir).sort(); } catch (e) { throw new FaceStreamError('E_FILE_NOT_FOUND', `${opts.dir}: ${(e as Error).message}`); }
        for (const person of entries) {
          const sub = path.join(opts.dir, person);
          if (!statSync(sub).isDirectory()) continue;
          for (const f of readdirSync(sub).sort()) if (imageExt.test(f)) jobs.push({ name: person, file: path.join(sub, f) });
        }
      } else {
        for (const f of photos) jobs.push({ name: opts.name!, file: f });
      }
      return withGallery(cmd, async (g) => {
        const bar = process.stderr.isTTY && !opts.json ? new cliProgress.SingleBar({ format: 'enroll [{bar}] {value}/{total} {file}', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
        bar?.start(jobs.length, 0, { file: '' });
        const results: (EnrollOutcome & { person: string; personId: string })[] = [];
        for (const job of jobs) {
          const p = personNamed(g, job.name);
          const r = await g.enrollment.enrollPhoto(p.id, job.file, { force: opts.force });
          results.push({ ...r, person: job.name, personId: p.id });
          bar?.increment(1, { file: path.basename(job.file) });
        }
        bar?.stop();
        const summary = { accepted: results.filter((r) => r.status === 'accepted').length, skipped: results.filter((r) => r.status === 'skipped').length, rejected: results.filter((r) => r.status === 'rejected').length };
        const lookalikes = g.lookalikes();
        if (opts.json) printJson({ ...summary, results, lookalikes });
        else {
          for (const r of results) process.stdout.write(`${r.person}: ${outcomeLine(r)}\n`);
          process.stdout.write(`${summary.accepted} accepted, ${summary.skipped} skipped, ${summary.rejected} rejected\n`);
          if (lookalikes.length) {
            process.stdout.write(`look-alike pairs (enrolled; a name between them needs a wider margin): add more photos of each, from different days and angles\n`);
            for (const l of lookalikes) process.stdout.write(`  ${l.a.name} ~ ${l.b.name}  distance ${l.distance}\n`);
          }
        }
        // scripts can tell "nothing usable" from success
        return summary.accepted + summary.skipped === 0 && jobs.length > 0 ? 1 : 0;
      });
    }));

  program.command('correct')
    .description('teach the gallery from a photo: --is NAME adds its main face to NAME (even where it matches someone else: your word); --not NAME keeps faces like it from being named NAME')
    .argument('<photo>', 'a photo or a tight face crop; its largest face is used')
    .option('--is <name>', 'the photo shows this person (created when new)')
    .option('--not <name>', 'the photo does not show this (enrolled) person')
    .option('--json', 'JSON output')
    .action((photo: string, opts: { is?: string; not?: string; json?: boolean }, cmd: Command) => runCommand(async () => {
      if (Boolean(opts.is) === Boolean(opts.not)) throw new FaceStreamError('E_USAGE', 'give either --is NAME or --not NAME');
      return withGallery(cmd, async (g) => {
        if (opts.not) {
          const p = g.people.personByName(opts.not);
          if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person named ${opts.not}`);
          const r = await g.enrollment.addEvidenceFromPhoto(p.id, photo, { actor: 'cli' });
          if (opts.json) printJson({ photo, not: { id: p.id, name: p.name }, ...r });
          else process.stdout.write(`noted: ${photo} is not ${p.name} (${r.evidence} face kept as evidence)\n`);
          return 0;
        }
        const p = personNamed(g, opts.is!);
        const r = await g.enrollment.enrollPhoto(p.id, photo, { correction: true, actor: 'cli' });
        if (opts.json) printJson({ photo, is: { id: p.id, name: opts.is, created: p.created }, result: r });
        else process.stdout.write(`${opts.is}: ${outcomeLine(r)}\n`);
        return r.status === 'rejected' ? 1 : 0;
      });
    }));

  program.command('identify')
    .description('name every face of a photo from the gallery (or unknown)')
    .argument('<photo>', 'JPEG, PNG or WebP file')
    .option('--json', 'JSON output')
    .action((photo: string, opts: { json?: boolean }, cmd: Command) => runCommand(() => withGallery(cmd, async (g) => {
      const r = await g.matcher.identifyImage(photo);
      if (opts.json) { printJson({ image: photo, ...r, threshold: g.matcher.threshold }); return; }
      if (r.faces.length === 0) process.stdout.write('no face found\n');
      for (const f of r.faces) {
        const b = `${f.box.x},${f.box.y} ${f.box.width}x${f.box.height}`;
        const m = f.match;
        const what = !m ? `not identified (${f.quality.reasons.join(', ')})` : `${m.name ?? 'unknown'}  distance ${m.distance ?? '-'}${m.ambiguous ? '  AMBIGUOUS' : ''}${!m.name && m.reason && m.reason !== 'over-threshold' && m.reason !== 'empty-gallery' ? `  (${m.reason})` : ''}`;
        process.stdout.write(`${b.padEnd(22)} ${what}\n`);
      }
    })));

  const people = program.command('people').description('list, show, rename or delete enrolled people');
  people.command('list').option('--json', 'JSON output').action((opts: { json?: boolean }, cmd: Command) => runCommand(async () => withStore(cmd, (s) => {
    const list = s.people.list().map((p) => ({ ...p, samples: s.samples.countByPerson(p.id) }));
    if (opts.json) printJson(list);
    else for (const p of list) process.stdout.write(`${p.id}  ${p.name}  (${p.samples} samples)\n`);
  })));
  // ids are data, never paths: a malformed id is E_USAGE before the store (or the engine) is opened
  people.command('show').argument('<id>').action((id: string, _o: unknown, cmd: Command) => runCommand(async () => { assertPersonId(id); return withStore(cmd, (s) => {
    const p = s.people.get(id);
    if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
    printJson({ ...p, samples: s.samples.byPerson(id).map((x) => ({ id: x.id, modelId: x.modelId, cropFile: x.cropFile, quality: x.quality, createdAt: x.createdAt })) });
  }); }));
  people.command('rename').argument('<id>').argument('<name>').action((id: string, name: string, _o: unknown, cmd: Command) => runCommand(async () => { assertPersonId(id); return withStore(cmd, (s) => {
    s.transaction(() => {
      if (!s.people.update(id, { name })) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
      s.audit.record('cli', 'person.update', id, { name });
    });
    process.stdout.write(`renamed ${id} to ${name}\n`);
  }); }));
  people.command('delete').description('erase a person: samples, crops, sightings (audited)').argument('<id>').action((id: string, _o: unknown, cmd: Command) => runCommand(async () => { assertPersonId(id); return withGallery(cmd, async (g) => {
    printJson(g.people.deletePerson(id));
  }); }));

  const gallery = program.command('gallery').description('export or import the whole gallery as one portable JSON file');
  gallery.command('export').argument('<file>').action((file: string, _o: unknown, cmd: Command) => runCommand(() => withGallery(cmd, async (g) => {
    const data = g.transfer.exportGallery();
    writeFileSync(`${file}.tmp`, JSON.stringify(data));
    renameSync(`${file}.tmp`, file);
    process.stdout.write(`exported ${data.people.length} people, ${data.people.reduce((n, p) => n + p.samples.length, 0)} samples to ${file}\n`);
  })));
  gallery.command('import').argument('<file>').action((file: string, _o: unknown, cmd: Command) => runCommand(() => withGallery(cmd, async (g) => {
    let data: unknown;
    try { data = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new FaceStreamError('E_INVALID_GALLERY_FILE', `${file}: ${(e as Error).message}`); }
    printJson(g.transfer.importGallery(data));
  })));

  const keys = program.command('keys').description('API keys (stored hashed; a new key is printed once)');
  keys.command('create')
    .addOption(new Option('--role <role>', 'admin may change the gallery, viewer may only read').choices([...apiRoles]).makeOptionMandatory())
    .option('--name <name>', 'a label for the key')
    .action((opts: { role: ApiRole; name?: string }, cmd: Command) => runCommand(async () => withStore(cmd, (s) => {
      const { key, info } = s.keys.create(opts.role, opts.name);
      process.stderr.write(`created ${info.role} key ${info.id} (${info.name}); it is shown only this once:\n`);
      process.stdout.write(`${key}\n`);
    })));
  keys.command('list').action((_o: unknown, cmd: Command) => runCommand(async () => withStore(cmd, (s) => printJson(s.keys.list()))));
  keys.command('revoke').argument('<id>').action((id: string, _o: unknown, cmd: Command) => runCommand(async () => withStore(cmd, (s) => {
    if (!s.keys.revoke(id)) throw new FaceStreamError('E_NOT_FOUND', `no active key with id ${id}`);
    process.stdout.write(`revoked ${id}\n`);
  })));

  program.command('reindex')
    .description('re-embed every sample from its stored crop with the current model, then rebuild the index')
    .action((_o: unknown, cmd: Command) => runCommand(() => withGallery(cmd, async (g) => {
      const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'reindex [{bar}] {value}/{total}', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
      const r = await g.enrollment.reindex((done, total) => { if (done === 0) bar?.start(total, 0); else bar?.update(done); });
      bar?.stop();
      printJson({ modelId: g.index.modelId, ...r });
      return r.failed.length ? 1 : 0;
    })));

  program.command('serve')
    .description('serve the REST API (api.host:api.port; OpenAPI at /api/docs)')
    .action((_o: unknown, cmd: Command) => runCommand(async () => withGalleryOf(configFrom(cmd), await EngineThread.start(configFrom(cmd)), async (g, _engine, config) => {
      const log = pino({ level: config.log.level });
      const server = new ApiServer({ gallery: g, api: config.api, logger: { level: config.log.level } });
      // index changes are saved a second after they happen (saveDelayMs), and on shutdown
      const address = await server.start();
      log.info({ address, people: g.people.count(), indexSize: g.index.size }, 'facestream API listening');
      await new Promise<void>((resolve) => {
        const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
    }, 1000)));
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FaceStreamError } from '../../errors/index.js';
import { formatDoctor, runDoctor } from '../../ops/doctor.js';
import { RetentionService } from '../../ops/retention.service.js';
import { redisServerVersion } from '../../queue/redis.probe.js';
import { systemClock } from '../../common/clock.js';
import { DataStore, STORE_FILE } from '../../store/data.store.js';
import { configFrom, printJson, runCommand } from '../context.js';

/** A date or date-time the user typed; a bare date means its start, UTC. */
export function parseBefore(text: string): string {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(t);
  if (!Number.isFinite(ms)) throw new FaceStreamError('E_USAGE', `--before: not a date: ${text} (use YYYY-MM-DD or an ISO date-time)`);
  return new Date(ms).toISOString();
}

/** doctor, purge: operating a deployment. */
export function registerOpsCommands(program: Command): void {
  program.command('doctor')
    .description('check backend, models, ffmpeg, Redis, every camera (ffprobe) and the data dir; exit 0 when all are fine')
    .option('--json', 'print the checks as JSON')
    .option('--camera-timeout <s>', 'seconds per camera probe', parseFloat, 5)
    .action((opts: { json?: boolean; cameraTimeout: number }, cmd: Command) => runCommand(async () => {
      const checks = await runDoctor(configFrom(cmd), { redisVersion: redisServerVersion, cameraTimeoutS: opts.cameraTimeout });
      if (opts.json) printJson({ ok: checks.every((c) => c.ok), checks });
      else process.stdout.write(formatDoctor(checks));
      return checks.every((c) => c.ok) ? 0 : 1;
    }));

  program.command('purge')
    .description('delete sightings (and their crops), unknown-face clusters and fired alerts older than a date (the scheduled retention job does this by config)')
    .requiredOption('--before <date>', 'delete data last seen before this date (YYYY-MM-DD = its start, UTC; or an ISO date-time)')
    .option('--dry-run', 'only count what would be deleted')
    .action((opts: { before: string; dryRun?: boolean }, cmd: Command) => runCommand(async () => {
      const config = configFrom(cmd);
      const before = parseBefore(opts.before);
      if (!existsSync(path.join(config.data.dir, STORE_FILE))) throw new FaceStreamError('E_NOT_FOUND', `no store in ${config.data.dir} (set --data-dir or data.dir)`);
      const store = DataStore.open(config.data.dir);
      try {
        const service = new RetentionService(store.retention, config.data.dir, systemClock, config.retention);
        printJson(service.purge({ sightings: before, unknown: before, alerts: before }, { dryRun: opts.dryRun }));
      } finally {
        store.close();
      }
    }));
}

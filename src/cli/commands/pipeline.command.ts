import { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { FaceStreamError } from '../../errors/index.js';
import { cameraUrlProblem } from '../../ingest/camera-url.policy.js';
import { roleNames, runRoles, type RoleName } from '../../roles/index.js';
import { configFrom, runCommand } from '../context.js';

/** run / worker: the stream pipeline roles. */
export function registerPipelineCommands(program: Command): void {
  const withCameras = (cmd: Command) => cmd
    .option('--camera <url...>', 'add a camera (rtsp://, http(s):// MJPEG or a video file), id cam1, cam2, ...')
    .option('--fps <n>', 'sample fps of --camera cameras', parseFloat);
  const configWith = (cmd: Command, opts: { camera?: string[]; fps?: number }) => {
    const base = configFrom(cmd);
    if (!opts.camera?.length) return base;
    // the same check as a configured camera: refused before any role starts
    for (const url of opts.camera) {
      const problem = cameraUrlProblem(url, base.ingest);
      if (problem) throw new FaceStreamError('E_CAMERA_URL', problem);
    }
    const cameras = [...base.ingest.cameras, ...opts.camera.map((url, i) => ({ id: `cam${i + 1}`, url, sampleFps: opts.fps ?? 2, enabled: true, transport: 'tcp' as const }))];
    return { ...base, ingest: { ...base.ingest, cameras } } as Readonly<Config>;
  };
  withCameras(program.command('run')
    .description('all pipeline roles (ingest, vision, hub) in one process against one Redis (REDIS_URL)'))
    .action((opts: { camera?: string[]; fps?: number }, cmd: Command) => runCommand(async () => runRoles(configWith(cmd, opts), roleNames)));
  withCameras(program.command('worker')
    .description('one pipeline role: ingest (ffmpeg per camera), vision (detect + embed), hub (identify, track, sightings)')
    .addArgument(new Command().createArgument('<role>', 'role').choices([...roleNames])))
    .action((role: RoleName, opts: { camera?: string[]; fps?: number }, cmd: Command) => runCommand(() => runRoles(configWith(cmd, opts), [role])));
}

import { Command } from 'commander';
import { roleNames, runRoles, withCameras, type RoleName } from '../../roles/index.js';
import { configFrom, runCommand } from '../context.js';

/** run / worker: the stream pipeline roles. */
export function registerPipelineCommands(program: Command): void {
  const cameraOptions = (cmd: Command) => cmd
    .option('--camera <url...>', 'add a camera (rtsp://, http(s):// MJPEG or a video file), id cam1, cam2, ...')
    .option('--fps <n>', 'sample fps of --camera cameras', parseFloat);
  const configWith = (cmd: Command, opts: { camera?: string[]; fps?: number }) => withCameras(configFrom(cmd), opts.camera, opts.fps);
  cameraOptions(program.command('run')
    .description('all pipeline roles (ingest, vision, hub) in one process against one Redis (REDIS_URL)'))
    .action((opts: { camera?: string[]; fps?: number }, cmd: Command) => runCommand(async () => runRoles(configWith(cmd, opts), roleNames)));
  cameraOptions(program.command('worker')
    .description('one pipeline role: ingest (ffmpeg per camera), vision (detect + embed), hub (identify, track, sightings)')
    .addArgument(new Command().createArgument('<role>', 'role').choices([...roleNames])))
    .action((role: RoleName, opts: { camera?: string[]; fps?: number }, cmd: Command) => runCommand(() => runRoles(configWith(cmd, opts), [role])));
}

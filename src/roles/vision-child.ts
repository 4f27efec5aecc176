// A vision worker started by `facestream run` (vision-processes.ts): the parent's resolved
// configuration arrives in FACESTREAM_VISION_CHILD_CONFIG; it stops when the parent goes away.
import { loadConfig } from '../config/index.js';
import { FaceStreamError } from '../errors/index.js';
import { runCommand } from '../errors/run-command.js';
import { runRoles } from './run-roles.js';
import { CHILD_CONFIG_ENV } from './vision-processes.js';

await runCommand(async () => {
  const raw = process.env[CHILD_CONFIG_ENV];
  if (!raw) throw new FaceStreamError('E_USAGE', `${CHILD_CONFIG_ENV} is not set: this entry point is started by \`facestream run\``);
  delete process.env[CHILD_CONFIG_ENV];
  const config = loadConfig({ env: {}, overrides: JSON.parse(raw) as Record<string, unknown> });
  // the parent died or closed the channel: stop as on SIGTERM (in-flight frames finish), also
  // when that happens while the engine is still loading
  // (a parent gone before this line ran is seen through process.connected: the event is past)
  const orphaned = new Promise<void>((ok) => { if (!process.connected) ok(); else process.once('disconnect', () => ok()); });
  try {
    await runRoles(config, ['vision'], { stop: orphaned });
  } finally {
    // the IPC channel would keep the event loop alive after the roles closed
    if (process.connected) process.disconnect();
  }
});

#!/usr/bin/env node
// `npm run demo`: the README Quickstart's first command, on a fresh clone. Plain Node (no
// dependencies), because on a fresh clone node_modules (and so tsx) does not exist yet: this
// installs what is missing, then hands over to scripts/demo.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const aptPackages = ['ffmpeg', 'python3-gi', 'gir1.2-gst-rtsp-server-1.0', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-plugins-ugly', 'gstreamer1.0-libav'];
const say = (msg) => process.stdout.write(`demo: ${msg}\n`);
const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

function run(cmd, args) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { say(`failed: ${cmd} ${args.join(' ')}`); process.exit(1); }
}

if (!existsSync(resolve(root, 'node_modules/tsx'))) {
  say('node_modules missing: installing the locked dependencies (npm ci)');
  run('npm', ['ci']);
}

// ffmpeg reads every camera; the GStreamer RTSP server (system python3 + gi) serves the demo clip as a camera
const rtspOk = () => ok('/usr/bin/python3', ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"]);
const missing = [...(ok('ffmpeg', ['-version']) ? [] : ['ffmpeg']), ...(rtspOk() ? [] : ['GStreamer RTSP server'])];
const needsRedis = !process.env.REDIS_URL && !process.env.FACESTREAM_REDIS_URL && !ok('redis-server', ['--version']);
if (missing.length || needsRedis) {
  const pkgs = [...aptPackages, ...(needsRedis ? ['redis-server'] : [])];
  if (process.getuid?.() === 0 && ok('apt-get', ['--version'])) {
    say(`missing ${[...missing, ...(needsRedis ? ['redis-server'] : [])].join(', ')}: installing with apt-get`);
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs]);
  } else {
    say(`missing ${[...missing, ...(needsRedis ? ['redis-server (or set REDIS_URL)'] : [])].join(', ')}. Install them, e.g.:`);
    say(`  sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'scripts/demo.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the whole process group; a signal sent to this process alone is forwarded (the child stops once, however often told)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig); });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/**
 * Processes the tests (test/) and the benches (bench/) both start: a free port and the GStreamer
 * RTSP test camera. Not product code; nothing under src/ imports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A free TCP port on 127.0.0.1 (bind to 0, read it back, release it). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/**
 * The GStreamer RTSP server (scripts/rtsp-server.py, system python3 with gi) serving one
 * file, looped, on a free port. stop() then start() again serves on the same port
 * (restart scenarios).
 */
export class RtspTestServer {
  private child: ChildProcess | undefined;
  url = '';

  private constructor(readonly file: string, readonly port: number, readonly mount: string) {}

  static async start(file: string, options: { port?: number; mount?: string } = {}): Promise<RtspTestServer> {
    const s = new RtspTestServer(file, options.port ?? (await freePort()), options.mount ?? '/cam');
    await s.start();
    return s;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('/usr/bin/python3', [resolve(repoRoot, 'scripts/rtsp-server.py'), '--file', this.file, '--port', String(this.port), '--mount', this.mount], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    this.url = await new Promise<string>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`rtsp server did not start: ${err}`)), 15_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) { clearTimeout(timer); ok(m[1]!); }
      });
      child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`rtsp server exited (${code}): ${err}`)); });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null) return;
    await new Promise<void>((ok) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => { clearTimeout(t); ok(); });
      child.kill('SIGTERM');
    });
  }
}

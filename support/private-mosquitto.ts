import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { freePort } from './rtsp-server.js';

const mosquittoBin = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/**
 * A private mosquitto on a free port, for tests that stop and restart the broker: kill() and
 * start() again on the same port; no persistence (a restart loses retained messages and sessions).
 */
export class PrivateMosquitto {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'fst-mosquitto-'));

  private constructor(readonly port: number) {
    writeFileSync(join(this.dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  }

  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }

  static async start(): Promise<PrivateMosquitto> {
    const m = new PrivateMosquitto(await freePort());
    await m.start();
    return m;
  }

  /** Start (again) and wait until a client can connect. */
  async start(): Promise<void> {
    const child = spawn(mosquittoBin, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      const ok = await new Promise<boolean>((resolve) => {
        const probe = connect(this.url, { reconnectPeriod: 0, connectTimeout: 500 });
        probe.once('connect', () => { probe.end(true); resolve(true); });
        probe.once('error', () => { probe.end(true); resolve(false); });
      });
      if (ok) return;
      await sleep(50);
    }
    throw new Error('private mosquitto did not start');
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((ok) => { child.once('exit', () => ok()); child.kill('SIGKILL'); });
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

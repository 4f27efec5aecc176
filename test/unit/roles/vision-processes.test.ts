import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { childConfig } from '../../../src/roles/vision-processes.js';

describe('facestream run: the configuration of its vision children', () => {
  const parent = loadConfig({
    env: { FACESTREAM_MQTT_PASSWORD: 's3cret', FACESTREAM_OPS_PORT: '9464' },
    overrides: {
      redis: { url: 'redis://10.0.0.2:6380', prefix: 'site-a' },
      detector: { maxSide: 960 }, vision: { processes: 3, concurrency: 1 }, engine: { backend: 'wasm' },
      mqtt: { enabled: true, username: 'cam' }, api: { port: 9000 },
      ingest: { cameras: [{ id: 'door', url: 'rtsp://user:pw@10.0.0.7/stream' }] },
    },
  });
  // the child parses it again, with no environment of its own
  const child = loadConfig({ env: {}, overrides: JSON.parse(JSON.stringify(childConfig(parent))) as Record<string, unknown> });

  it('keeps every setting a vision worker uses, resolved from file, environment and command line', () => {
    expect(child.redis).toEqual(parent.redis);
    expect(child.detector).toEqual(parent.detector);
    expect(child.vision).toEqual(parent.vision);
    expect(child.engine).toEqual(parent.engine);
    expect(child.embedder).toEqual(parent.embedder);
    expect(child.log).toEqual(parent.log);
  });

  it('has no cameras, no ops port and none of the credentials a vision worker never needs', () => {
    expect(child.ingest.cameras).toEqual([]);
    expect(child.ops.port).toBe(0);
    expect(parent.mqtt.password).toBe('s3cret');
    expect(child.mqtt.password).toBeUndefined();
    expect(child.mqtt.enabled).toBe(false);
    expect(child.api.port).toBe(loadConfig({ env: {} }).api.port);
    expect(JSON.stringify(childConfig(parent))).not.toContain('s3cret');
    expect(JSON.stringify(childConfig(parent))).not.toContain('user:pw');
  });
});

#!/usr/bin/env node
// `npm run test:docker`: the container images and docker/compose.yaml, for real. Builds the CPU
// image, enrolls the example gallery into the hub's volume, brings up Redis (AOF), the hub,
// two vision replicas and the ingest with the sample clip as a file camera, waits for Lin's
// sighting through the REST API, checks /health/ready and /metrics of every service and that
// both vision replicas took jobs, SIGTERMs the stack (every exit code must be 0), then
// recreates the containers on the same volumes and checks the gallery, the sightings and the
// API key survived. Everything it created (containers, network, volumes) is removed at the end.
//
// Where no image registry is reachable, the base image (docker/Dockerfile's NODE_IMAGE, the
// current Node LTS) comes from docker/local-base.sh (debootstrap + that node from the npm registry) and Redis from docker/redis.Dockerfile
// (docker/compose.local.yaml); where the official images can be pulled, they are used.
//
//   node scripts/test-docker.mjs [--no-build] [--keep] [--timeout-s 300]
// Plain Node, no dependencies: it needs docker (daemon running), `docker compose` or
// docker-compose, and root for docker/local-base.sh when the base image must be made locally.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, def) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] ? args[i + 1] : def; };
const timeoutMs = Number(option('--timeout-s', '300')) * 1000;

// the base image the Dockerfile builds on (ARG NODE_IMAGE), e.g. node:24-bookworm-slim
const baseImage = /^ARG NODE_IMAGE=(\S+)/m.exec(readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8'))?.[1]
  ?? (() => { throw new Error('docker/Dockerfile: no ARG NODE_IMAGE'); })();
const appImage = 'facestream:latest';
const redisImage = 'redis:7-alpine';
const localRedisImage = 'facestream-redis:local';
const project = `fstdockertest${process.pid}`;
const lin = 'lin_manuel_miranda';
const visionReplicas = 2;

const t0 = Date.now();
const elapsed = (since = t0) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (msg) => process.stdout.write(`test:docker [${elapsed()}] ${msg}\n`);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
class Fail extends Error {}
const fail = (msg) => { throw new Fail(msg); };
const summary = [];
const note = (key, value) => { summary.push([key, value]); };

/** Run a command; throws (with its output) unless it exits 0. */
function sh(cmd, argv, { env, input, quiet = true, allowFail = false } = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, env: { ...process.env, ...env }, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: [input === undefined ? 'ignore' : 'pipe', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'] });
  if (r.error) { if (allowFail) return { ok: false, out: '', err: String(r.error) }; fail(`${cmd} ${argv.join(' ')}: ${r.error.message}`); }
  const res = { ok: r.status === 0, out: r.stdout ?? '', err: r.stderr ?? '' };
  if (!res.ok && !allowFail) fail(`${cmd} ${argv.join(' ')} exited ${r.status}\n${res.err.slice(-3000)}${res.out.slice(-2000)}`);
  return res;
}
const docker = (argv, o) => sh('docker', argv, o);
const imageExists = (name) => docker(['image', 'inspect', name], { allowFail: true }).ok;
const imageSizeMb = (name) => Math.round(Number(docker(['image', 'inspect', '-f', '{{.Size}}', name]).out.trim()) / 1e6);

function composeCommand() {
  if (sh('docker', ['compose', 'version'], { allowFail: true }).ok) return ['docker', ['compose']];
  if (sh('docker-compose', ['version'], { allowFail: true }).ok) return ['docker-compose', []];
  return fail('neither `docker compose` nor docker-compose is installed (apt-get install docker-compose)');
}

async function http(url, { key, timeout = 5000 } = {}) {
  const r = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(timeout) });
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

async function waitFor(what, fn, ms = timeoutMs, every = 1000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() > end) fail(`${what}: not within ${ms / 1000} s${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(every);
  }
}

/** Sum of a Prometheus counter over all its label sets. */
function metricSum(text, name) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

async function main() {
  say(`compose project ${project}`);
  sh('docker', ['info'], { allowFail: false });
  const [composeBin, composePre] = composeCommand();
  note('compose', `${composeBin} ${composePre.join(' ')}`.trim() + ` (${sh(composeBin, [...composePre, 'version', '--short'], { allowFail: true }).out.trim() || '?'})`);

  // 1. base images: pulled where a registry answers, made locally where none does
  if (!imageExists(baseImage) && !docker(['pull', baseImage], { allowFail: true }).ok) {
    say(`${baseImage} cannot be pulled: building it locally (docker/local-base.sh)`);
    sh('bash', [path.join(root, 'docker/local-base.sh')], { quiet: false });
  }
  const baseInfo = docker(['run', '--rm', baseImage, 'sh', '-c', 'cat /etc/facestream-local-base 2>/dev/null || echo official'], { allowFail: true }).out.trim();
  note('base image', `${baseImage} ${imageSizeMb(baseImage)} MB (${baseInfo.startsWith('facestream local base') ? 'local: docker/local-base.sh' : 'official'})`);
  const composeFiles = ['-f', path.join(root, 'docker/compose.yaml')];
  let redisUsed = redisImage;
  if (!imageExists(redisImage) && !docker(['pull', redisImage], { allowFail: true }).ok) {
    redisUsed = localRedisImage;
    composeFiles.push('-f', path.join(root, 'docker/compose.local.yaml'));
    if (!flag('--no-build') || !imageExists(localRedisImage)) {
      say(`${redisImage} cannot be pulled: building ${localRedisImage} (docker/redis.Dockerfile)`);
      sh('nice', ['-n', '10', 'docker', 'build', '-q', '-f', path.join(root, 'docker/redis.Dockerfile'), '-t', localRedisImage, path.join(root, 'docker')]);
    }
  }

  // 2. the CPU image
  if (!flag('--no-build') || !imageExists(appImage)) {
    const tb = Date.now();
    say(`building ${appImage} (docker/Dockerfile)`);
    sh('nice', ['-n', '10', 'docker', 'build', '-f', 'docker/Dockerfile', '-t', appImage, '.'], { quiet: !flag('--verbose') });
    note('image build', elapsed(tb));
  }
  note('image sizes', `${appImage} ${imageSizeMb(appImage)} MB, ${redisUsed} ${imageSizeMb(redisUsed)} MB`);

  // 3. the deployment: config with the clip as a file camera, an override mounting the clip
  const tmp = mkdtempSync(path.join(tmpdir(), 'fst-docker-'));
  chmodSync(tmp, 0o755);
  const configFile = path.join(tmp, 'facestream.yaml');
  writeFileSync(configFile, [
    'ingest:',
    '  fileRoots: [/clips]',
    '  cameras:',
    '    - id: stage',
    '      name: Sample clip',
    '      url: /clips/hamilton_360p.mp4',
    '      sampleFps: 2',
    '',
  ].join('\n'));
  chmodSync(configFile, 0o644);
  const override = path.join(tmp, 'compose.test.yaml');
  writeFileSync(override, [
    'services:',
    '  ingest:',
    '    volumes:',
    `      - ${path.join(root, 'examples/video')}:/clips:ro`,
    '',
  ].join('\n'));
  composeFiles.push('-f', override);
  // the hub's host ports: loopback and any free port, so a running service on 8080/9464 does not collide
  const composeEnv = { FACESTREAM_CONFIG_FILE: configFile, HUB_API_PUBLISH: '127.0.0.1:', HUB_OPS_PUBLISH: '127.0.0.1:' };
  const compose = (argv, o = {}) => sh(composeBin, [...composePre, '-p', project, ...composeFiles, ...argv], { ...o, env: { ...composeEnv, ...o.env } });

  const containers = () => docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.oneoff=False', '--format', '{{.ID}} {{.Label "com.docker.compose.service"}} {{.Names}}']).out
    .trim().split('\n').filter(Boolean).map((l) => { const [id, service, name] = l.split(' '); return { id, service, name }; });
  const ipOf = (id) => docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id]).out.trim().split(' ')[0];

  let ok = false;
  try {
    // 4. gallery and an admin key, written into the hub's volume before the hub owns it (one writer)
    say('enrolling examples/gallery into the hub volume (one-off container)');
    const enroll = compose(['run', '--rm', '--no-deps', '-T', '-v', `${path.join(root, 'examples/gallery')}:/gallery:ro`, 'hub', 'enroll', '--dir', '/gallery', '--json']);
    const enrolled = JSON.parse(enroll.out.slice(enroll.out.indexOf('{')));
    if (!enrolled.results?.some((r) => r.person === lin && r.status === 'accepted')) fail(`Lin's photo was not enrolled: ${enroll.out.slice(0, 2000)}`);
    note('gallery', `${enrolled.accepted} photos accepted, ${enrolled.skipped} skipped, ${enrolled.rejected} rejected`);
    const key = compose(['run', '--rm', '--no-deps', '-T', 'hub', 'keys', 'create', '--role', 'admin', '--name', 'test-docker']).out.trim().split('\n').pop();
    if (!key || key.length < 16) fail('keys create printed no key');

    // 5. up, scaled
    const tUp = Date.now();
    say(`starting redis, hub, ingest, ${visionReplicas} vision replicas`);
    compose(['up', '-d', '--no-build', '--scale', `vision=${visionReplicas}`]);
    const running = containers();
    const by = (s) => running.filter((c) => c.service === s);
    if (by('vision').length !== visionReplicas) fail(`expected ${visionReplicas} vision containers, got ${by('vision').length}`);
    for (const s of ['redis', 'hub', 'ingest']) if (by(s).length !== 1) fail(`expected one ${s} container, got ${by(s).length}`);
    const hubIp = ipOf(by('hub')[0].id);
    const api = `http://${hubIp}:8080`;

    await waitFor('hub API /health/ready', async () => (await http(`${api}/health/ready`)).status === 200);
    say(`hub API ready at ${api} after ${elapsed(tUp)}`);
    const sightingsOf = async () => (await http(`${api}/api/sightings?limit=500`, { key })).json();
    const linSighting = await waitFor(`a sighting of ${lin}`, async () => (await sightingsOf()).items.find((s) => s.label === lin && s.personId), timeoutMs, 2000);
    note('first sighting', `${lin} (sighting ${linSighting.id}, ${linSighting.frames} frames, distance ${Number(linSighting.bestDistance).toFixed(3)}), ${elapsed(tUp)} after \`up\``);
    say(`sighting of ${lin}: id ${linSighting.id}, ${elapsed(tUp)} after up`);

    // 6. every service: ready, metrics; both vision replicas took jobs
    const metricOf = { hub: 'facestream_identifications_total', vision: 'facestream_frames_processed_total', ingest: 'facestream_frames_in_total' };
    const visionCounts = await waitFor(`both vision replicas processing frames`, async () => {
      const counts = [];
      for (const c of by('vision')) counts.push(metricSum((await http(`http://${ipOf(c.id)}:9464/metrics`)).text, metricOf.vision));
      return counts.every((n) => n > 0) ? counts : undefined;
    }, 120_000, 2000);
    const notReady = [];
    for (const c of [...by('hub'), ...by('ingest'), ...by('vision')]) {
      const ops = `http://${ipOf(c.id)}:9464`;
      // a vision worker's event loop is busy in wasm inference between frames; a probe may time out once
      let last;
      await waitFor(`${c.name} /health/ready`, async () => { last = await http(`${ops}/health/ready`); if (last.status !== 200) notReady.push(`${c.service}: ${last.text}`); return last.status === 200; }, 60_000, 1000)
        .catch((e) => fail(`${e.message}: ${last?.status} ${last?.text}`));
      const metrics = await http(`${ops}/metrics`);
      if (metrics.status !== 200 || !metrics.text.includes(metricOf[c.service])) fail(`${c.name} /metrics: ${metrics.status}, no ${metricOf[c.service]}`);
      if (!metrics.text.includes('process_resident_memory_bytes')) fail(`${c.name} /metrics lacks the process metrics`);
    }
    const redis = by('redis')[0];
    const rcli = (...a) => docker(['exec', redis.id, 'redis-cli', ...a]).out.trim();
    if (rcli('ping') !== 'PONG') fail('redis-cli ping');
    if (!/^appendonly\s+yes$/m.test(rcli('config', 'get', 'appendonly'))) fail('Redis runs without AOF');
    const health = docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', redis.id]).out.trim();
    if (health !== 'healthy') fail(`redis container health: ${health}`);
    const ingestMetrics = (await http(`http://${ipOf(by('ingest')[0].id)}:9464/metrics`)).text;
    note('services', `redis (AOF, ${health}), hub, ingest, vision x${visionReplicas}: /health/ready 200 and /metrics on each${notReady.length ? ` (${notReady.length} probe(s) answered 503 first: ${[...new Set(notReady)].join('; ').slice(0, 300)})` : ''}`);
    note('vision jobs', by('vision').map((c, i) => `${c.name}: ${visionCounts[i]} frames`).join(', ') + `; ingest queued ${metricSum(ingestMetrics, 'facestream_frames_in_total')} frames`);

    // 7. SIGTERM everything (compose stop = SIGTERM, SIGKILL only after stop_grace_period)
    const countsOf = async () => ({
      people: (await http(`${api}/api/people?limit=500`, { key })).json().total,
      sightings: (await sightingsOf()).total,
    });
    const before = await countsOf();
    const redisKeysBefore = Number(rcli('dbsize'));
    // a key only the AOF can bring back (no TTL, written just before the SIGTERM)
    const marker = `test-docker:${project}:${Date.now()}`;
    if (rcli('set', 'test-docker:marker', marker) !== 'OK') fail('redis SET');
    const stopAndCheck = (round) => {
      const ts = Date.now();
      const list = containers();
      compose(['stop', '-t', '30']);
      const codes = list.map((c) => ({ ...c, code: Number(docker(['inspect', '-f', '{{.State.ExitCode}}', c.id]).out.trim()) }));
      const bad = codes.filter((c) => c.code !== 0);
      note(`SIGTERM ${round}`, `${codes.map((c) => `${c.service}=${c.code}`).sort().join(' ')} (stopped in ${elapsed(ts)})`);
      if (bad.length) {
        for (const c of bad) process.stderr.write(`--- ${c.name} (exit ${c.code}) ---\n${docker(['logs', '--tail', '40', c.id], { allowFail: true }).err}\n`);
        fail(`non-zero exit codes after SIGTERM: ${bad.map((c) => `${c.name}=${c.code}`).join(', ')}`);
      }
    };
    say('SIGTERM to the stack');
    stopAndCheck('1');

    // 8. new containers, same volumes: the gallery, the sightings, the key and Redis' AOF survive
    say('removing the containers (named volumes kept) and starting the stack again');
    compose(['rm', '-f', '-v']);
    const tUp2 = Date.now();
    compose(['up', '-d', '--no-build', '--scale', `vision=${visionReplicas}`]);
    const again = containers();
    const hub2 = `http://${ipOf(again.find((c) => c.service === 'hub').id)}:8080`;
    await waitFor('hub API ready after the restart', async () => (await http(`${hub2}/health/ready`)).status === 200);
    const after = {
      people: (await http(`${hub2}/api/people?limit=500`, { key })).json().total,
      sightings: (await http(`${hub2}/api/sightings?limit=500`, { key })).json().total,
    };
    const same = await http(`${hub2}/api/sightings/${linSighting.id}`, { key });
    if (same.status !== 200 || same.json().label !== lin) fail(`sighting ${linSighting.id} did not survive: ${same.status} ${same.text.slice(0, 200)}`);
    if (after.people !== before.people) fail(`people before ${before.people}, after ${after.people}`);
    if (!(after.sightings >= before.sightings)) fail(`sightings before ${before.sightings}, after ${after.sightings}`);
    const redis2 = again.find((c) => c.service === 'redis');
    const rcli2 = (...a) => docker(['exec', redis2.id, 'redis-cli', ...a]).out.trim();
    const redisKeysAfter = Number(rcli2('dbsize'));
    if (rcli2('get', 'test-docker:marker') !== marker) fail('the Redis marker key did not survive: AOF lost it');
    note('restart', `new containers up in ${elapsed(tUp2)}; people ${before.people} -> ${after.people}, sightings ${before.sightings} -> ${after.sightings}, Lin's sighting ${linSighting.id} still there, API key still valid, Redis marker key back from the AOF (${redisKeysBefore} keys before, ${redisKeysAfter} after: frame keys expire)`);
    stopAndCheck('2');
    ok = true;
  } catch (e) {
    if (containers().length) {
      process.stderr.write('--- compose logs (last 60 lines per container) ---\n');
      process.stderr.write(compose(['logs', '--no-color', '--tail', '60'], { allowFail: true }).out.slice(-30000));
    }
    throw e;
  } finally {
    if (flag('--keep') && !ok) say(`--keep: left project ${project} running (remove: ${composeBin} ${composePre.join(' ')} -p ${project} ${composeFiles.join(' ')} down -v)`);
    else {
      compose(['down', '-v', '--remove-orphans', '-t', '30'], { allowFail: true });
      // one-off `run` containers are --rm; anything labelled with the project left over goes too
      const left = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).out.trim().split('\n').filter(Boolean);
      if (left.length) docker(['rm', '-f', '-v', ...left], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(() => {
  say('PASS');
  for (const [k, v] of summary) process.stdout.write(`  ${k.padEnd(15)} ${v}\n`);
  process.stdout.write(`  ${'total'.padEnd(15)} ${elapsed()}\n`);
}, (e) => {
  for (const [k, v] of summary) process.stdout.write(`  ${k.padEnd(15)} ${v}\n`);
  say(`FAIL: ${e instanceof Fail ? e.message : e.stack}`);
  process.exit(1);
});

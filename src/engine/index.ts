export * from './face-engine.js';
export { loadBackend, wasmDir } from './backend.js';
export { faceApiModelDir, humanModelDir } from './models.js';

export { loadBackend, wasmDir, type LoadedBackend } from './backend.js';
export { faceApiModelDir, humanModelDir } from './models.js';

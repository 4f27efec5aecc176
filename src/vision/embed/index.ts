export * from './embedder.js';
export * from './resnet34.embedder.js';
export * from './mobileface.embedder.js';

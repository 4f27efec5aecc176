export * from './server.js';
export * from './errors.js';
export * from './auth.js';
export * from './validation.js';
export * from './uploads.js';

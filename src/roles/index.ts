export * from './roles.js';
export * from './run-roles.js';
export * from './face-pipeline.factory.js';

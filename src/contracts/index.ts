export * from './frame.schema.js';
export * from './faces.schema.js';
export * from './camera.schema.js';
export * from './sighting.schema.js';
export * from './match.js';
export * from './webhook.schema.js';
export * from './job.js';
export * from './alert-rule.schema.js';

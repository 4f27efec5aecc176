export * from './dashboard.service.js';
export * from './live.gateway.js';
export * from './live-events.schema.js';
export * from './corrections.service.js';
export * from './preview.fanout.js';

export * from './redis.connection.js';
export * from './frame.store.js';
export * from './job-options.js';
export * from './queue-options.js';
export * from './frames.queue.js';
export * from './faces.queue.js';
export * from './webhooks.queue.js';
export * from './maintenance.queue.js';

export * from './frigate-event.schema.js';
export * from './frigate.client.js';
export * from './frigate-events.subscriber.js';
export * from './frigate-event.folder.js';
export * from './frigate-sub-labels.js';
export * from './frigate.cameras.js';
export * from './frigate.service.js';

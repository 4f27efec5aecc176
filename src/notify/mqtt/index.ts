export * from './ha-discovery.js';
export * from './mqtt.messages.js';
export * from './mqtt.publisher.js';
export * from './mqtt.topics.js';
export * from './offline.buffer.js';

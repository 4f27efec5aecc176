export * from './alert.evaluator.js';
export * from './alert.service.js';
export * from './webhook.dispatcher.js';
export * from './webhook.sender.js';
export * from './webhook.signer.js';

export * from './embed-budget.js';
export * from './vision.worker.js';
export * from './roles.js';

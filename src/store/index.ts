export * from './database.js';
export * from './gallery.store.js';
export * from './people.repository.js';
export * from './samples.repository.js';
export * from './sightings.repository.js';
export * from './audit.repository.js';
export * from './keys.repository.js';

export * from './hub.service.js';
export type { Identifier, IdentifyMatch, SightingSink } from '../track/identifier.js';
export * from './gallery.adapter.js';

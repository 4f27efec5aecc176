export * from './frame-source.js';
export * from './jpeg-frame.parser.js';
export * from './ffmpeg.reader.js';
export * from './camera.watchdog.js';
export * from './ingest.manager.js';

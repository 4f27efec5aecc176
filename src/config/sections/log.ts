import { z } from 'zod';
import { section } from './base.js';

/** log: pino level and line format. */

export const logSchema = section({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info')
    .describe('pino log level.'),
  format: z.enum(['auto', 'json', 'pretty']).default('auto')
    .describe('json = one pino JSON object per line (log collectors); pretty = one readable line per event (time, level, message, key=value fields); auto = pretty when stdout is a terminal, else json.'),
});

export type LogConfig = z.infer<typeof logSchema>;

import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { maskUrl } from '../common/mask-url.js';

/**
 * The process logger of the roles (`facestream run`, workers/*): pino, written as JSON lines
 * (log collectors, `log.format: json`) or as one readable line per event (`pretty`); `auto`
 * picks pretty on a terminal. Credentials are masked by the callers before logging; the pretty
 * writer masks URL credentials once more, JSON lines are pino's own.
 */

export type LogSettings = Pick<Config['log'], 'level'> & Partial<Pick<Config['log'], 'format'>>;

/** Where log lines go: process.stdout, or anything with write() (tests). */
export interface LogDestination { write(chunk: string): unknown }

export interface CreateLoggerOptions {
  /** Default process.stdout. */
  destination?: LogDestination;
  /** Whether the destination is a terminal (for `auto`); default process.stdout.isTTY. */
  isTTY?: boolean;
  /** Colour the level in pretty lines; default: a terminal and NO_COLOR unset. */
  color?: boolean;
}

export function resolveLogFormat(format: Config['log']['format'] | undefined, isTTY: boolean): 'json' | 'pretty' {
  if (format === 'json' || format === 'pretty') return format;
  return isTTY ? 'pretty' : 'json';
}

/** The one place a role logger is made (src/roles/run-roles.ts). */
export function createLogger(settings: LogSettings, options: CreateLoggerOptions = {}): Logger {
  const isTTY = options.isTTY ?? process.stdout.isTTY === true;
  const out = options.destination ?? process.stdout;
  if (resolveLogFormat(settings.format, isTTY) === 'json') {
    return options.destination ? pino({ level: settings.level }, options.destination) : pino({ level: settings.level });
  }
  const color = options.color ?? (isTTY && !process.env.NO_COLOR);
  return pino({ level: settings.level }, {
    write: (chunk: string) => {
      for (const line of chunk.split('\n')) if (line) out.write(formatLogLine(line, { color }));
    },
  });
}

const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const levelColors: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '31' };
/** Fields a person reads first, in this order; the rest follow as logged. */
const firstKeys = ['camera', 'state', 'reason', 'err', 'error', 'sighting', 'label', 'person', 'status', 'frames', 'job', 'seq', 'url'];
/** pino's bookkeeping: in the line already (time, level, msg) or noise on a terminal. */
const skipKeys = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);
const MAX_VALUE = 300;

const pad2 = (n: number) => String(n).padStart(2, '0');
const clock = (t: unknown): string => {
  const d = typeof t === 'number' || typeof t === 'string' ? new Date(t) : new Date();
  return Number.isNaN(d.getTime()) ? '--:--:--' : `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
};
const cut = (s: string) => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s);

/** A field value as the text after `key=`: bare when it has no space, quote or =, else JSON-quoted. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? cut(v) : JSON.stringify(cut(v));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  // pino's serialised Error: its message is what a person needs on one line
  if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return valueText((v as { message: string }).message);
  return cut(JSON.stringify(v) ?? String(v));
}

/**
 * One pino JSON line as one readable line: `HH:MM:SS LEVEL message key=value ...` (local time).
 * A string field whose value the message already says is left out. Lines that are not JSON
 * objects pass unchanged. Ends with a newline.
 */
export function formatLogLine(line: string, options: { color?: boolean } = {}): string {
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return `${maskUrl(line)}\n`;
    o = parsed as Record<string, unknown>;
  } catch {
    return `${maskUrl(line)}\n`;
  }
  const level = typeof o.level === 'number' ? o.level : 30;
  const name = (levelNames[level] ?? String(o.level)).padEnd(5);
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const keys = [...firstKeys.filter((k) => k in o), ...Object.keys(o).filter((k) => !firstKeys.includes(k))]
    .filter((k) => !skipKeys.has(k) && o[k] !== undefined);
  const fields: string[] = [];
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v.length >= 2 && msg.includes(v)) continue;
    fields.push(options.color ? `\x1b[2m${k}=\x1b[22m${valueText(v)}` : `${k}=${valueText(v)}`);
  }
  const lvl = options.color ? `\x1b[${levelColors[level] ?? '0'}m${name}\x1b[39m` : name;
  return `${maskUrl([clock(o.time), lvl, msg, ...fields].filter(Boolean).join(' '))}\n`;
}

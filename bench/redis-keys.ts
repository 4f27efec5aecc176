/**
 * What a Redis holds, grouped by key pattern (the soak bench prints it at its end, so whatever
 * grows has a name): ids and sequence numbers are folded into `*`, and each pattern gets its
 * type, key count, elements (XLEN/ZCARD/HLEN/LLEN/SCARD) and MEMORY USAGE sum.
 * Standalone: `npx tsx bench/redis-keys.ts redis://127.0.0.1:PORT`.
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

export interface KeyGroup { pattern: string; type: string; keys: number; elements: number; bytes: number }

/** `soak:frame:cam1:123` -> `soak:frame:cam1:*`; BullMQ job hashes `bull:frames:f.cam1.12` -> `...:f.cam1.*`. */
export function keyPattern(key: string): string {
  return key.split(':').map((part) => part.replace(/\d+/g, '*').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '*')).join(':');
}

const lengthCommand: Record<string, string | undefined> = { stream: 'xlen', zset: 'zcard', hash: 'hlen', list: 'llen', set: 'scard' };

export async function redisKeyGroups(redis: Redis): Promise<KeyGroup[]> {
  const groups = new Map<string, KeyGroup>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'none') continue; // expired meanwhile
      const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
      const cmd = lengthCommand[type];
      const elements = cmd ? Number(await redis.call(cmd, key)) : 1;
      const id = `${keyPattern(key)} ${type}`;
      const g = groups.get(id) ?? { pattern: keyPattern(key), type, keys: 0, elements: 0, bytes: 0 };
      g.keys++; g.elements += elements; g.bytes += bytes;
      groups.set(id, g);
    }
  } while (cursor !== '0');
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

export function formatKeyGroups(groups: KeyGroup[], limit = 25): string {
  const total = groups.reduce((s, g) => s + g.bytes, 0);
  const lines = ['key pattern | type | keys | elements | KB', ...groups.slice(0, limit).map((g) => `${g.pattern} | ${g.type} | ${g.keys} | ${g.elements} | ${(g.bytes / 1024).toFixed(1)}`)];
  if (groups.length > limit) lines.push(`... ${groups.length - limit} more patterns`);
  lines.push(`total of MEMORY USAGE over all keys: ${(total / 2 ** 20).toFixed(2)} MB in ${groups.reduce((s, g) => s + g.keys, 0)} keys`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const redis = new Redis(process.argv[2] ?? 'redis://127.0.0.1:6379');
  try { console.log(formatKeyGroups(await redisKeyGroups(redis), 60)); } finally { redis.disconnect(); }
}

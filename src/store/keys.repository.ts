import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { nowIso, type Db } from './database.js';

export const apiRoles = ['admin', 'viewer'] as const;
export type ApiRole = (typeof apiRoles)[number];

export interface ApiKeyInfo { id: string; name: string; role: ApiRole; prefix: string; createdAt: string; revokedAt: string | null }

interface Row { id: string; name: string; role: ApiRole; prefix: string; key_sha256: string; created_at: string; revoked_at: string | null }
const toInfo = (r: Row): ApiKeyInfo => ({ id: r.id, name: r.name, role: r.role, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at });

/** Keys look like `fsk_<8 chars>_<43 chars>`: the short public prefix finds the row, the rest is the secret. */
const KEY_RE = /^fsk_([A-Za-z0-9_-]{8})_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * API keys, stored as sha256 hashes only (a 256-bit random secret needs no slow hash). The
 * plain key exists once, in the return value of create().
 */
export class KeysRepository {
  constructor(private readonly db: Db) {}

  create(role: ApiRole, name = `${role} key`): { key: string; info: ApiKeyInfo } {
    const prefix = randomBytes(6).toString('base64url');
    const key = `fsk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const info: ApiKeyInfo = { id: randomUUID(), name, role, prefix, createdAt: nowIso(), revokedAt: null };
    this.db.prepare('INSERT INTO api_keys (id, name, role, prefix, key_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(info.id, name, role, prefix, sha256(key).toString('hex'), info.createdAt);
    return { key, info };
  }

  /** The key's record when it is valid and not revoked; comparison of hashes is constant-time. */
  verify(key: string): ApiKeyInfo | undefined {
    const m = KEY_RE.exec(key);
    if (!m) return undefined;
    const presented = sha256(key);
    const rows = this.db.prepare('SELECT * FROM api_keys WHERE prefix = ? AND revoked_at IS NULL').all(m[1]) as Row[];
    let found: Row | undefined;
    for (const r of rows) if (timingSafeEqual(Buffer.from(r.key_sha256, 'hex'), presented)) found = r;
    return found && toInfo(found);
  }

  list(): ApiKeyInfo[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Row[]).map(toInfo);
  }

  revoke(id: string): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(nowIso(), id).changes > 0;
  }
}

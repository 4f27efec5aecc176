import { nowIso, type Db } from './database.js';

export interface AuditEntry {
  id: number;
  at: string;
  /** Who: 'cli', or 'api-key:<key id>'. Never a key itself. */
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

interface Row { id: number; at: string; actor: string; action: string; target: string | null; details: string }

/** Append-only record of changes to people and their data (GDPR erasure is logged here). */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  record(actor: string, action: string, target: string | null, details: Record<string, unknown> = {}): AuditEntry {
    const at = nowIso();
    const r = this.db.prepare('INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)').run(at, actor, action, target, JSON.stringify(details));
    return { id: Number(r.lastInsertRowid), at, actor, action, target, details };
  }

  list(options: { target?: string; limit?: number } = {}): AuditEntry[] {
    const rows = (options.target === undefined
      ? this.db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(options.limit ?? 100)
      : this.db.prepare('SELECT * FROM audit_log WHERE target = ? ORDER BY id DESC LIMIT ?').all(options.target, options.limit ?? 100)) as Row[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }
}

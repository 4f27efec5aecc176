import { randomUUID } from 'node:crypto';
import { nowIso, type Db } from './database.js';

export interface Person {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

interface Row { id: string; name: string; metadata: string; created_at: string; updated_at: string }
const toPerson = (r: Row): Person => ({ id: r.id, name: r.name, metadata: JSON.parse(r.metadata) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at });

/**
 * People. Names are not unique on purpose: two different people can share a name, so every
 * reference is by id; commands that take a name refuse when it is ambiguous.
 */
export class PeopleRepository {
  constructor(private readonly db: Db) {}

  create(name: string, metadata: Record<string, unknown> = {}, id: string = randomUUID()): Person {
    const at = nowIso();
    this.db.prepare('INSERT INTO people (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, JSON.stringify(metadata), at, at);
    return { id, name, metadata, createdAt: at, updatedAt: at };
  }

  get(id: string): Person | undefined {
    const r = this.db.prepare('SELECT * FROM people WHERE id = ?').get(id) as Row | undefined;
    return r && toPerson(r);
  }

  byName(name: string): Person[] {
    return (this.db.prepare('SELECT * FROM people WHERE name = ? ORDER BY created_at, id').all(name) as Row[]).map(toPerson);
  }

  list(options: { limit?: number; offset?: number; name?: string } = {}): Person[] {
    const { limit = -1, offset = 0, name } = options;
    const rows = name === undefined
      ? this.db.prepare('SELECT * FROM people ORDER BY name, id LIMIT ? OFFSET ?').all(limit, offset)
      : this.db.prepare('SELECT * FROM people WHERE name = ? ORDER BY name, id LIMIT ? OFFSET ?').all(name, limit, offset);
    return (rows as Row[]).map(toPerson);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM people').get() as { n: number }).n;
  }

  update(id: string, patch: { name?: string; metadata?: Record<string, unknown> }): Person | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch, updatedAt: nowIso() };
    this.db.prepare('UPDATE people SET name = ?, metadata = ?, updated_at = ? WHERE id = ?').run(next.name, JSON.stringify(next.metadata), next.updatedAt, id);
    return next;
  }

  /** Deletes the person; samples and sightings go with it (ON DELETE CASCADE). */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM people WHERE id = ?').run(id).changes > 0;
  }
}

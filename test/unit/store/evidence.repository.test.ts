import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.js';
import { DataStore } from '../../../src/store/data.store.js';

describe('EvidenceRepository (SQLite, migration 3)', () => {
  it('the evidence revision moves on every add and removal, a person\'s erasure (cascade) included', () => {
    const store = new DataStore(openDatabase(':memory:'));
    try {
      const p = store.people.create('Kim', {});
      const face = { modelId: 'm', embedding: Float32Array.from([1, 0]) };
      const r0 = store.evidence.revision;
      expect(store.evidence.addEvidence(p.id, [face, face], 'photo', null)).toBe(2);
      const r1 = store.evidence.revision;
      expect(r1).not.toBe(r0);
      expect(store.evidence.evidence('m')).toHaveLength(2);
      store.people.delete(p.id);
      expect(store.evidence.countEvidence()).toBe(0);
      expect(store.evidence.revision).not.toBe(r1);
    } finally {
      store.close();
    }
  });
});

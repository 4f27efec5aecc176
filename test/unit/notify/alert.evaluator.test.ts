import { describe, expect, it } from 'vitest';
import { alertRuleInputSchema, type AlertRule } from '../../../src/contracts/alert-rule.schema.js';
import { ruleMatches, subjectOf, withinHours } from '../../../src/notify/alert.evaluator.js';

const rule = (over: Partial<AlertRule>): AlertRule => ({
  id: 'r1', name: 'r', kind: 'person', personIds: [], cameraIds: [], hours: null, webhook: null, enabled: true, createdAt: '', updatedAt: '', ...over,
});
const person = (watchlist: boolean) => ({ id: 'p1', name: 'P', metadata: { watchlist }, createdAt: '', updatedAt: '' });
const noon = new Date('2025-01-01T12:00:00Z');

describe('alert rules', () => {
  it('person rules match their people at their cameras only', () => {
    const r = rule({ kind: 'person', personIds: ['p1'], cameraIds: ['door'] });
    expect(ruleMatches(r, { cameraId: 'door', personId: 'p1' }, undefined, noon)).toBe(true);
    expect(ruleMatches(r, { cameraId: 'hall', personId: 'p1' }, undefined, noon)).toBe(false);
    expect(ruleMatches(r, { cameraId: 'door', personId: 'p2' }, undefined, noon)).toBe(false);
    expect(ruleMatches(r, { cameraId: 'door', personId: null }, undefined, noon)).toBe(false);
    expect(ruleMatches({ ...r, enabled: false }, { cameraId: 'door', personId: 'p1' }, undefined, noon)).toBe(false);
  });

  it('unknown rules match unknown faces, within hours of day that may wrap midnight', () => {
    const night = rule({ kind: 'unknown', hours: { from: 22, to: 6, timeZone: 'UTC' } });
    expect(ruleMatches(night, { cameraId: 'c', personId: null }, undefined, new Date('2025-01-01T23:30:00Z'))).toBe(true);
    expect(ruleMatches(night, { cameraId: 'c', personId: null }, undefined, new Date('2025-01-01T05:59:00Z'))).toBe(true);
    expect(ruleMatches(night, { cameraId: 'c', personId: null }, undefined, noon)).toBe(false);
    expect(ruleMatches(night, { cameraId: 'c', personId: 'p1' }, undefined, new Date('2025-01-01T23:30:00Z'))).toBe(false);
    expect(withinHours({ from: 9, to: 17, timeZone: 'UTC' }, noon)).toBe(true);
    expect(withinHours({ from: 9, to: 17, timeZone: 'Asia/Tokyo' }, noon)).toBe(false); // 21:00 in Tokyo
  });

  it('watch-list rules match flagged people and listed ids', () => {
    const r = rule({ kind: 'watchlist', personIds: ['p9'] });
    expect(ruleMatches(r, { cameraId: 'c', personId: 'p1' }, person(true), noon)).toBe(true);
    expect(ruleMatches(r, { cameraId: 'c', personId: 'p1' }, person(false), noon)).toBe(false);
    expect(ruleMatches(r, { cameraId: 'c', personId: 'p9' }, undefined, noon)).toBe(true);
  });

  it('cooldown subjects: the person, or the camera for unknown faces', () => {
    expect(subjectOf({ cameraId: 'c', personId: 'p1' })).toBe('person:p1');
    expect(subjectOf({ cameraId: 'c', personId: null })).toBe('unknown:c');
  });

  it('webhook URLs must be http(s); person rules need people', () => {
    const base = { version: 1, name: 'x', kind: 'unknown' } as const;
    for (const url of ['ftp://h/x', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'data:text/plain,hi']) {
      expect(alertRuleInputSchema.safeParse({ ...base, webhook: { url } }).success, url).toBe(false);
    }
    expect(alertRuleInputSchema.safeParse({ ...base, webhook: { url: 'https://example.com/hook' } }).success).toBe(true);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'person' }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, hours: { from: 3, to: 3 } }).success).toBe(false);
  });
});

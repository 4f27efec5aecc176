import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, repoRoot } from '../helpers/data.js';
import { TestStack } from './stack.js';

const artifacts = path.join(repoRoot, 'test-artifacts');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

interface FeedItem { id: number; personId: string; shownAt: number; storedAt: number; firstSeen: number }

/** Feed items as the page shows them (data attributes set by app.js when each was inserted). */
const feedItems = (page: Page): Promise<FeedItem[]> => page.$$eval('#feed li', (lis) => lis.map((li) => {
  const el = li as HTMLElement;
  const s = (window as unknown as { facestream: { feed: Map<number, { data: { firstSeen: string } }> } }).facestream.feed.get(Number(el.dataset.sightingId));
  return { id: Number(el.dataset.sightingId), personId: el.dataset.personId ?? '', shownAt: Number(el.dataset.shownAt), storedAt: Number(el.dataset.storedAt), firstSeen: s ? Date.parse(s.data.firstSeen) : 0 };
}));

describe('dashboard in headless Chromium against the real pipeline (hamilton_360p.mp4, file camera)', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    stack = await TestStack.start({ clip: 'hamilton_360p.mp4', enroll: 'lin_manuel_miranda', api: { maxUploadBytes: 1024 * 1024 } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => { void d.accept(); });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('refuses a wrong key, then signs in and shows the camera online with a live preview', async () => {
    await page.goto(stack.url);
    await page.fill('#signin-key', 'fsk_notakey1_' + 'x'.repeat(43));
    await page.click('#signin-form button');
    await expect.poll(() => page.textContent('#signin-error')).toContain('not valid');
    await page.fill('#signin-key', stack.adminKey);
    await page.click('#signin-form button');
    await page.waitForSelector('#view-live:not([hidden])');
    await page.waitForSelector('#tiles [data-camera="cam1"][data-state="online"]', { timeout: 30_000 });
    await page.waitForSelector('#tiles [data-camera="cam1"][data-preview-seq]', { timeout: 30_000 });
    expect(await page.textContent('#conn')).toBe('live');
  });

  it('shows a sighting of the enrolled person live within 5 s of its creation', async () => {
    const lin = `#feed li[data-person-id="${stack.personId}"]`;
    // a live one (storedAt > 0), not one replayed from before the page connected
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((li) => Number((li as HTMLElement).dataset.storedAt) > 0), lin, { timeout: 60_000 });
    const items = (await feedItems(page)).filter((i) => i.personId === stack.personId && i.storedAt > 0);
    const first = items[items.length - 1]!;
    expect(first.shownAt - first.storedAt).toBeGreaterThanOrEqual(0);
    expect(first.shownAt - first.storedAt).toBeLessThanOrEqual(5000);
    await shot(page, '01-live');
  });

  it('opens the person from the feed', async () => {
    await page.click(`#feed li[data-person-id="${stack.personId}"] .who`);
    await page.waitForSelector('#view-people:not([hidden]) #person-detail:not([hidden])');
    await expect.poll(() => page.textContent('#person-name')).toBe('lin_manuel_miranda');
    await page.waitForSelector('#person-samples figure img[src^="blob:"]');
    await page.waitForSelector('#person-sightings li[data-sighting-id]');
    await shot(page, '02-person');
  });

  it('renders a hostile name as text and refuses an oversized photo with a message', async () => {
    const evil = '<img src=x onerror="window.__xss=1">Mallory';
    const res = await fetch(`${stack.url}/api/people`, { method: 'POST', headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: evil }) });
    expect(res.status).toBe(201);
    await page.goto(`${stack.url}/#people`);
    await page.waitForSelector('#people-list li');
    await expect.poll(() => page.$$eval('#people-list li .name', (els) => els.map((e) => e.textContent))).toContain(evil);
    expect(await page.$$eval('#people-list img', (els) => els.length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await page.fill('#enroll-name', 'Too Big');
    await page.setInputFiles('#enroll-files', [{ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(2 * 1024 * 1024, 0xff) }]);
    await page.click('#enroll-form button');
    await expect.poll(() => page.textContent('#enroll-result')).toMatch(/Too large: huge\.jpg \(2\.0 MB\); the limit is 1\.0 MB/);
    // the server refuses it too, whatever the page checks
    const status = await page.evaluate(async ({ key, id }) => {
      const form = new FormData();
      form.append('photos', new Blob([new Uint8Array(2 * 1024 * 1024)], { type: 'image/jpeg' }), 'huge.jpg');
      const r = await fetch(`/api/people/${id}/samples`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      return { status: r.status, body: await r.json() as { error: { code: string } } };
    }, { key: stack.adminKey, id: stack.personId });
    expect(status.status).toBe(413);
    expect(status.body.error.code).toBe('E_PAYLOAD_TOO_LARGE');
  });

  it('enrolls a new person from photos, showing per-photo outcomes, then deletes them', async () => {
    const dir = dataPath('people/gallery/obama');
    const photos = [...readdirSync(dir).map((f) => path.join(dir, f)), dataPath('people/probes/two_people.jpg')];
    await page.goto(`${stack.url}/#people`);
    await page.fill('#enroll-name', 'Barack Obama');
    await page.setInputFiles('#enroll-files', photos);
    await page.click('#enroll-form button');
    await page.waitForSelector('#enroll-result .results li.accepted', { timeout: 60_000 });
    const rejected = await page.textContent('#enroll-result .results li.rejected');
    expect(rejected).toContain('two_people.jpg: rejected — several_faces');
    await page.waitForSelector('#person-detail:not([hidden])');
    await expect.poll(() => page.textContent('#person-name')).toBe('Barack Obama');
    await shot(page, '03-enrolled');
    const id = await page.getAttribute('#person-detail', 'data-person-id');
    await page.click('#person-delete');
    await expect.poll(() => page.$$eval('#people-list li', (els) => els.map((e) => (e as HTMLElement).dataset.personId))).not.toContain(id);
    const r = await fetch(`${stack.url}/api/people/${id}`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(r.status).toBe(404);
  });

  it('reconnects after a hub restart and resynchronises the feed without gaps or duplicates', async () => {
    await page.goto(`${stack.url}/#live`);
    await page.waitForSelector('#feed li');
    await stack.restartDashboard(2500);
    await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', null, { timeout: 30_000 });
    const before = Math.max(...(await feedItems(page)).map((i) => i.id));
    // a few more sightings after the restart
    await page.waitForFunction((n) => [...document.querySelectorAll('#feed li')].some((li) => Number((li as HTMLElement).dataset.sightingId) > n), before, { timeout: 60_000 });
    const ids = (await feedItems(page)).map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const lowest = Math.min(...ids);
    const stored = stack.gallery.sightings.since(lowest - 1, 10_000).map((s) => s.id);
    // every stored sighting in the page's range is in the page (the feed shows up to 200)
    expect(ids.sort((a, b) => a - b)).toEqual(stored.filter((id) => id <= Math.max(...ids)));
    await shot(page, '04-after-restart');
  });

  it('measures stream-to-browser delay over 10 live sightings', async () => {
    await page.waitForFunction(() => [...document.querySelectorAll('#feed li')].filter((li) => Number((li as HTMLElement).dataset.storedAt) > 0).length >= 10, null, { timeout: 90_000 });
    const live = (await feedItems(page)).filter((i) => i.storedAt > 0).slice(0, 10);
    const result = {
      n: live.length,
      medianFaceToBrowserMs: median(live.map((i) => i.shownAt - i.firstSeen)),
      medianStoredToBrowserMs: median(live.map((i) => i.shownAt - i.storedAt)),
      samples: live.map((i) => ({ id: i.id, faceToBrowserMs: i.shownAt - i.firstSeen, storedToBrowserMs: i.shownAt - i.storedAt })),
    };
    writeFileSync(path.join(artifacts, 'latency.json'), JSON.stringify(result, null, 2));
    expect(live.length).toBe(10);
    for (const i of live) { expect(i.shownAt - i.storedAt).toBeGreaterThanOrEqual(0); expect(i.shownAt - i.storedAt).toBeLessThanOrEqual(5000); }
  });

  it('deletes the recognised person and their sightings disappear from the page', async () => {
    await page.goto(`${stack.url}/#people/${stack.personId}`);
    await page.waitForSelector('#person-detail:not([hidden])');
    await page.click('#person-delete');
    await page.goto(`${stack.url}/#live`);
    await expect.poll(() => page.$$eval(`#feed li[data-person-id="${stack.personId}"]`, (els) => els.length)).toBe(0);
    const r = await fetch(`${stack.url}/api/sightings?personId=${stack.personId}`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(((await r.json()) as { total: number }).total).toBe(0);
    await page.goto(`${stack.url}/#history`);
    await page.click('#history-form button');
    await page.waitForSelector('#history-status:not(:empty)');
    await shot(page, '05-history-after-delete');
    expect(pageErrors).toEqual([]);
  });
});

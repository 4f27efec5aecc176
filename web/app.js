// facestream dashboard: plain ES modules, no build step. All data is rendered as text (dom.js).
import { io } from '/socket.io/socket.io.esm.min.js';
import { Api, ApiFailure } from './api.js';
import { $, clear, fmtBytes, fmtScore, fmtTime, h } from './dom.js';

const FEED_MAX = 200;

const state = {
  api: null,
  me: null,
  socket: null,
  feed: new Map(), // sighting id -> { data, el }
  lastSightingId: null,
  tiles: new Map(), // camera id -> { el, canvas, badge, fps, error }
  people: [],
  personId: null,
  history: { offset: 0, limit: 25, total: 0 },
};
// exposed for tests and debugging (read only use)
window.facestream = state;

// ------------------------------------------------------------------ sign-in

async function signIn(key, remember) {
  const api = new Api(key);
  const me = await api.get('/api/me');
  state.api = api;
  state.me = me;
  sessionStorage.setItem('facestream.key', key);
  if (remember) localStorage.setItem('facestream.key', key);
  document.body.classList.toggle('viewer', me.role !== 'admin');
  $('#whoami').textContent = `${me.name} (${me.role})`;
  for (const id of ['#nav', '#conn', '#signout', '#sound-label']) $(id).hidden = false;
  connect();
  await loadPeople();
  route();
}

function signOut(message = '') {
  state.socket?.disconnect();
  state.socket = null;
  sessionStorage.removeItem('facestream.key');
  localStorage.removeItem('facestream.key');
  if (message) sessionStorage.setItem('facestream.signin-error', message);
  location.hash = '';
  location.reload();
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('#signin-error').textContent = '';
  try {
    await signIn($('#signin-key').value.trim(), false);
  } catch (err) {
    $('#signin-error').textContent = err instanceof ApiFailure && err.status === 401 ? 'That key is not valid (or was revoked).' : err.message;
  }
});
$('#signout').addEventListener('click', () => signOut());

// ------------------------------------------------------------------ socket

function connect() {
  const socket = io({ auth: { key: state.api.key }, transports: ['websocket', 'polling'], reconnectionDelayMax: 3000 });
  state.socket = socket;
  const conn = $('#conn');
  const setConn = (cls, text) => { conn.className = `badge ${cls}`; conn.textContent = text; };
  socket.on('connect', () => {
    setConn('connected', 'live');
    // resynchronise: everything stored after the newest sighting we have (none missed, none twice)
    socket.emit('resync', { version: 1, lastSightingId: state.lastSightingId }, (ack) => {
      if (!ack?.ok) return;
      for (const c of ack.data.cameras) updateCamera(c);
      for (const s of ack.data.items) upsertSighting(s);
    });
  });
  socket.on('disconnect', (reason) => {
    setConn('reconnecting', 'reconnecting');
    // the hub closing its sockets (restart) is a server disconnect, which socket.io does not retry by itself
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
  });
  socket.on('connect_error', (err) => {
    if (String(err.message).startsWith('E_UNAUTHORIZED')) { signOut(err.message); return; }
    setConn('reconnecting', 'reconnecting');
  });
  socket.on('hello', (m) => { for (const c of m.cameras) updateCamera(c); });
  socket.on('camera', updateCamera);
  socket.on('sighting', upsertSighting);
  socket.on('sightings:removed', (m) => {
    for (const [id, item] of state.feed) {
      if ((m.ids && m.ids.includes(id)) || (m.personId && item.data.personId === m.personId)) { item.el.remove(); state.feed.delete(id); }
    }
    if (m.personId && m.personId === state.personId) showPeople();
  });
  socket.on('person:changed', (m) => {
    loadPeople();
    if (m.personId === state.personId) openPerson(m.personId);
    if (currentView() === 'people') loadReview();
  });
  socket.on('preview', (msg, drawn) => { drawPreview(msg).finally(() => drawn?.()); });
  socket.on('alert', showAlert);
  socket.on('delivery', () => { if (currentView() === 'alerts') loadAlerts(); });
}

// ------------------------------------------------------------------ live: cameras

function tileOf(cameraId, name) {
  let t = state.tiles.get(cameraId);
  if (t) return t;
  const canvas = h('canvas', { width: 640, height: 360 });
  const badge = h('span', { class: 'badge connecting', text: 'connecting' });
  const fps = h('span', { class: 'fps' });
  const error = h('div', { class: 'error' });
  const el = h('div', { class: 'tile', dataset: { camera: cameraId } }, canvas, h('div', { class: 'meta' }, h('strong', { text: name ?? cameraId }), badge, fps), error);
  $('#tiles').append(el);
  t = { el, canvas, badge, fps, error };
  state.tiles.set(cameraId, t);
  return t;
}

function updateCamera(c) {
  const t = tileOf(c.cameraId, c.name);
  t.badge.className = `badge ${c.state}`;
  t.badge.textContent = c.state;
  t.el.dataset.state = c.state;
  t.fps.textContent = `${c.fps.toFixed(1)} fps, ${c.droppedFps.toFixed(1)} dropped/s`;
  t.error.textContent = c.state === 'online' ? '' : (c.lastError ?? '');
}

async function drawPreview(msg) {
  const t = tileOf(msg.cameraId);
  const bitmap = await createImageBitmap(new Blob([msg.jpeg], { type: 'image/jpeg' }));
  const { canvas } = t;
  if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) { canvas.width = bitmap.width; canvas.height = bitmap.height; }
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const sx = msg.width ? bitmap.width / msg.width : 1;
  const sy = msg.height ? bitmap.height / msg.height : 1;
  ctx.lineWidth = 2;
  ctx.font = '14px system-ui, sans-serif';
  for (const f of msg.faces) {
    // legend (index.html): green = named by evidence, orange = unknown, grey dashed = tracked, no name earned
    const color = f.state === 'known' ? '#2ecc71' : f.state === 'unknown' ? '#f39c12' : '#9e9e9e';
    const x = f.box.x * sx, y = f.box.y * sy;
    ctx.strokeStyle = color;
    ctx.setLineDash(f.state === 'unverified' ? [6, 4] : []);
    ctx.strokeRect(x, y, f.box.width * sx, f.box.height * sy);
    ctx.setLineDash([]);
    if (f.label) {
      const w = ctx.measureText(f.label).width + 8;
      ctx.fillStyle = color;
      ctx.fillRect(x, Math.max(0, y - 18), w, 18);
      ctx.fillStyle = '#000';
      ctx.fillText(f.label, x + 4, Math.max(13, y - 5));
    }
  }
  bitmap.close();
  t.el.dataset.previewSeq = String(msg.seq);
}

// ------------------------------------------------------------------ live: sightings feed

function sightingRow(s, opts = {}) {
  const crop = s.crop ? h('img', { src: `data:image/jpeg;base64,${s.crop}`, alt: '' }) : state.api.img(`/api/sightings/${s.id}/crop`);
  const who = h('span', { class: 'who', text: s.label, title: s.personId ? 'open this person' : 'unknown face' });
  if (s.personId) who.addEventListener('click', () => { location.hash = `#people/${s.personId}`; });
  const out = $('#feed-status');
  // the relabelled sighting comes back over the socket ('sighting'); upserting the answer as well
  // updates the row even if that event is late
  const fixes = state.me?.role === 'admin' && !opts.noFix
    ? h('div', { class: 'fixes' },
      s.personId ? h('button', { class: 'fix', type: 'button', text: 'not this person', onclick: () => notThisPerson(s, out) }) : null,
      assignButton(s, out, 'li', (r) => { if (state.feed.has(r.sighting.id)) upsertSighting(r.sighting); }))
    : null;
  return h('li', { class: s.personId ? 'known' : 'unknown', dataset: { sightingId: s.id, personId: s.personId ?? '' } },
    crop,
    h('div', { class: 'body' }, who, h('div', { class: 'meta', text: `${s.cameraId} · ${fmtTime(s.firstSeen)}${s.score !== null && s.score !== undefined ? ` · ${fmtScore(s.score)}` : ''}` })),
    fixes);
}

/** Keep a "this is…" form the user has open across a re-render of its row (live updates replace rows). */
function carryOpenForm(from, to) {
  const form = from.querySelector('.assign-form');
  if (!form) return;
  const focused = form.contains(document.activeElement) ? document.activeElement : null;
  const caret = focused instanceof HTMLInputElement ? [focused.selectionStart, focused.selectionEnd] : null;
  to.append(form);
  if (focused) {
    focused.focus();
    if (caret) focused.setSelectionRange(caret[0], caret[1]);
  }
}

function upsertSighting(s) {
  if (state.lastSightingId === null || s.id > state.lastSightingId) state.lastSightingId = s.id;
  const cur = state.feed.get(s.id);
  const data = cur ? { ...cur.data, ...s, crop: s.crop ?? cur.data.crop } : s;
  const el = sightingRow(data);
  // shownAt/storedAt describe the first LIVE (stored) version the page showed: the e2e test
  // measures delay from the hub's storedAt. A replayed copy (storedAt 0) shown earlier, e.g.
  // after a reconnect, does not count, or the measured delay would come out negative.
  const wasLive = cur && Number(cur.el.dataset.storedAt) > 0;
  const keepShown = wasLive || (cur && !(s.storedAt > 0));
  el.dataset.shownAt = keepShown ? cur.el.dataset.shownAt : String(Date.now());
  el.dataset.storedAt = wasLive ? cur.el.dataset.storedAt : String(s.storedAt ?? 0);
  if (cur) { carryOpenForm(cur.el, el); cur.el.replaceWith(el); cur.el = el; cur.data = data; return; }
  state.feed.set(s.id, { data, el });
  // newest first, by id (replayed and live items interleave correctly)
  const feed = $('#feed');
  const after = [...feed.children].find((li) => Number(li.dataset.sightingId) < s.id);
  feed.insertBefore(el, after ?? null);
  while (feed.children.length > FEED_MAX) {
    const last = feed.lastElementChild;
    state.feed.delete(Number(last.dataset.sightingId));
    last.remove();
  }
}

function setStatus(out, cls, text) {
  out.className = `fix-status ${cls}`;
  out.textContent = text;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * "Not this person": the sighting becomes unknown and its kept faces are stored as evidence that
 * they are not that person, so the next similar face is not named so again. `onDone` runs after.
 */
async function notThisPerson(s, out, onDone) {
  const person = state.people.find((p) => p.id === s.personId);
  const name = person?.name ?? s.label;
  let removeSampleId;
  try {
    const detail = await state.api.get(`/api/people/${encodeURIComponent(s.personId)}`);
    if (detail.sampleList.length > 0) {
      const ids = detail.sampleList.map((x) => x.id).join(', ');
      const answer = prompt(`Sighting ${s.id} is not ${person?.name ?? s.label}.\nAlso remove the sample that matched? Enter its number (${ids}) or leave empty:`, '');
      if (answer === null) return;
      if (answer.trim()) removeSampleId = Number(answer.trim());
    } else if (!confirm(`Mark sighting ${s.id} as not ${person?.name ?? s.label}?`)) return;
  } catch (e) { alert(e.message); return; }
  state.socket.emit('sighting:not-this-person', { version: 1, sightingId: s.id, ...(removeSampleId ? { removeSampleId } : {}) }, (ack) => {
    if (!ack?.ok) { setStatus(out, 'error', `Not corrected: ${ack?.error?.message ?? 'no answer'}`); return; }
    // the REST answer counts the faces kept (evidence); the socket ack may not carry that count
    const n = ack.data?.evidence;
    const kept = n === 0 ? 'it kept no face, so it is only relabelled'
      : `${typeof n === 'number' ? plural(n, 'face') : 'its faces'} kept as evidence: the next similar face is not named ${name} again`;
    setStatus(out, 'ok', `Corrected: sighting ${s.id} is not ${name}; ${kept}${ack.data?.removedSample ? ` (sample #${ack.data.removedSample} removed)` : ''}.`);
    onDone?.();
  });
}

/** "This is…": a toggle that opens the inline assign form inside the closest `within` element. */
function assignButton(s, out, within, onSaved) {
  return h('button', {
    class: 'assign', type: 'button', text: 'this is…', title: 'say who this is: the sighting is relabelled and its faces become their samples',
    onclick: (e) => {
      const box = e.currentTarget.closest(within);
      const open = box.querySelector(`.assign-form[data-sighting-id="${s.id}"]`);
      for (const f of box.querySelectorAll('.assign-form')) f.remove();
      if (open) return;
      const form = assignForm(s, out, onSaved);
      box.append(form);
      form.querySelector('select').focus();
    },
  });
}

function assignForm(s, out, onSaved) {
  const people = [...state.people].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  // names need not be unique: a shared name gets the start of its id
  const shared = new Set(people.filter((p, i) => people.some((q, j) => j !== i && q.name === p.name)).map((p) => p.id));
  const select = h('select', { class: 'assign-person', 'aria-label': 'an existing person' },
    h('option', { value: '', text: 'choose a person…' }),
    people.map((p) => h('option', { value: p.id, text: shared.has(p.id) ? `${p.name} (${p.id.slice(0, 8)})` : p.name })));
  const name = h('input', { class: 'assign-name', placeholder: 'or a new name', 'aria-label': 'or a new name', maxlength: 200 });
  const err = h('span', { class: 'error', role: 'alert' });
  select.addEventListener('change', () => { if (select.value) name.value = ''; err.textContent = ''; });
  name.addEventListener('input', () => { if (name.value) select.value = ''; err.textContent = ''; });
  const save = h('button', { type: 'submit', text: 'save' });
  const form = h('form', {
    class: 'assign-form', dataset: { sightingId: s.id },
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      const newName = name.value.trim();
      if (!newName && !select.value) { err.textContent = 'Choose a person or type a new name.'; return; }
      save.disabled = true;
      try {
        const r = await state.api.post(`/api/sightings/${s.id}/assign`, newName ? { version: 1, name: newName } : { version: 1, personId: select.value });
        form.remove();
        const n = r.samples.length;
        setStatus(out, 'ok', `saved: ${plural(n, 'face')} learned as ${r.person.name}${n === 0 ? ' (none new: already among their samples)' : ''}${r.created ? ' (new person)' : ''}`);
        onSaved?.(r);
        loadPeople().catch(() => {});
        if (currentView() === 'people') loadReview();
      } catch (e2) {
        err.textContent = e2.message;
        save.disabled = false;
      }
    },
  }, select, name, save, h('button', { type: 'button', text: 'cancel', onclick: () => form.remove() }), err);
  return form;
}

// ------------------------------------------------------------------ alerts banner

function showAlert(a) {
  $('#alert-text').textContent = `${a.rule.name}: ${a.person ? a.person.name : a.sighting.label} at ${a.camera.name} (${fmtTime(a.firedAt)})`;
  $('#alert-banner').hidden = false;
  $('#alert-banner').dataset.alertId = String(a.id);
  if ($('#sound').checked) beep();
  if (currentView() === 'alerts') loadAlerts();
}
$('#alert-dismiss').addEventListener('click', () => { $('#alert-banner').hidden = true; });
$('#sound').checked = localStorage.getItem('facestream.sound') === '1';
$('#sound').addEventListener('change', () => localStorage.setItem('facestream.sound', $('#sound').checked ? '1' : '0'));

function beep() {
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator();
    o.frequency.value = 880;
    o.connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + 0.25);
  } catch { /* no audio device */ }
}

// ------------------------------------------------------------------ history

async function loadHistory() {
  const q = new URLSearchParams({ limit: String(state.history.limit), offset: String(state.history.offset) });
  const person = $('#history-person').value;
  const camera = $('#history-camera').value.trim();
  const from = $('#history-from').value, to = $('#history-to').value;
  if (person) q.set('personId', person);
  if (camera) q.set('cameraId', camera);
  if (from) q.set('from', new Date(from).toISOString());
  if (to) q.set('to', new Date(to).toISOString());
  if ($('#history-unknown').checked) q.set('unknown', 'true');
  const rows = clear($('#history-rows'));
  try {
    const r = await state.api.get(`/api/sightings?${q}`);
    state.history.total = r.total;
    $('#history-status').textContent = r.total === 0 ? 'No sightings match.' : `${r.offset + 1}–${r.offset + r.items.length} of ${r.total}`;
    for (const s of r.items) rows.append(historyRow(s));
  } catch (e) {
    $('#history-status').textContent = e.message;
  }
  $('#history-prev').disabled = state.history.offset === 0;
  $('#history-next').disabled = state.history.offset + state.history.limit >= state.history.total;
}
function historyRow(s) {
  const out = $('#history-fix-status');
  // history rows are not live: a correction re-renders its row from the stored sighting
  const refresh = (fresh) => $('#history-rows').querySelector(`tr[data-sighting-id="${fresh.id}"]`)?.replaceWith(historyRow(fresh));
  const who = h('a', { class: 'who', href: s.personId ? `#people/${s.personId}` : '#history', text: s.label });
  return h('tr', { dataset: { sightingId: s.id, personId: s.personId ?? '' } },
    h('td', {}, s.cropPath ? state.api.img(`/api/sightings/${s.id}/crop`) : ''),
    h('td', {}, who), h('td', { text: s.cameraId }), h('td', { text: fmtTime(s.firstSeen) }), h('td', { text: fmtTime(s.lastSeen) }),
    h('td', { text: s.personId ? fmtScore(s.maxScore) : '' }),
    h('td', {}, state.me.role === 'admin' ? h('div', { class: 'fixes' },
      s.personId ? h('button', { class: 'fix', type: 'button', text: 'not this person', onclick: () => notThisPerson({ ...s, score: s.maxScore }, out, () => { state.api.get(`/api/sightings/${s.id}`).then(refresh).catch(() => {}); }) }) : null,
      assignButton(s, out, 'td', (r) => refresh(r.sighting))) : ''));
}

$('#history-form').addEventListener('submit', (e) => { e.preventDefault(); state.history.offset = 0; loadHistory(); });
$('#history-prev').addEventListener('click', () => { state.history.offset = Math.max(0, state.history.offset - state.history.limit); loadHistory(); });
$('#history-next').addEventListener('click', () => { state.history.offset += state.history.limit; loadHistory(); });

// ------------------------------------------------------------------ people

async function loadPeople() {
  const r = await state.api.get('/api/people?limit=500');
  state.people = r.items;
  const list = clear($('#people-list'));
  for (const p of r.items) {
    list.append(h('li', { class: p.id === state.personId ? 'selected' : '', dataset: { personId: p.id }, onclick: () => { location.hash = `#people/${p.id}`; } },
      h('span', { class: 'name', text: p.name }), ' ', h('span', { class: 'muted', text: `${p.samples} samples${p.metadata?.watchlist === true ? ' · watch list' : ''}` })));
  }
  for (const sel of [$('#history-person'), $('#rule-people')]) {
    const keep = sel.value;
    const first = sel.id === 'history-person' ? [h('option', { value: '', text: 'anyone' })] : [];
    clear(sel).append(...first, ...r.items.map((p) => h('option', { value: p.id, text: p.name })));
    sel.value = keep;
  }
}

/** The people page's review panels: look-alike pairs, and people whose sightings split in two. */
async function loadReview() {
  const pairs = $('#lookalikes-list'), splits = $('#review-list');
  let r;
  try {
    r = await state.api.get('/api/people/review');
  } catch (e) {
    for (const list of [pairs, splits]) clear(list).append(h('li', { class: 'error', text: e.message }));
    return;
  }
  const personLink = (id, name) => h('a', { href: `#people/${id}`, dataset: { personId: id }, text: name });
  clear(pairs).append(...r.lookalikes.map((x) => h('li', { dataset: { a: x.a.id, b: x.b.id } },
    personLink(x.a.id, x.a.name), ' ~ ', personLink(x.b.id, x.b.name), ` (${fmtScore(x.distance)})`,
    h('div', { class: 'muted', text: 'add more photos of each, from different days and angles' }))));
  if (r.lookalikes.length === 0) pairs.append(h('li', { class: 'muted none', text: 'none' }));

  const out = $('#review-status');
  const admin = state.me.role === 'admin';
  clear(splits).append(...r.splits.map((sp) => h('li', { dataset: { personId: sp.personId } },
    h('div', {}, personLink(sp.personId, sp.name), `: ${plural(sp.outlying.length, 'sighting')} look${sp.outlying.length === 1 ? 's' : ''} like someone else`),
    h('div', { class: 'muted', text: `${sp.main.length} in the main group; the groups are ${fmtScore(sp.separation)} apart (spread ${fmtScore(sp.spread)}). An unenrolled relative? Say who with "this is…".` }),
    h('div', { class: 'thumbs' }, sp.outlying.map((id) => h('figure', { dataset: { sightingId: id } },
      state.api.img(`/api/sightings/${id}/crop`, `sighting ${id}`),
      h('figcaption', { text: `#${id}` }),
      admin ? assignButton({ id }, out, 'li') : null))))));
  if (r.splits.length === 0) splits.append(h('li', { class: 'muted none', text: 'none' }));
}

function outcomeList(results) {
  return h('ul', { class: 'results' }, results.map((r) => h('li', { class: r.status, text: `${r.file}: ${r.status}${r.status === 'accepted' ? '' : ` — ${r.reason}: ${r.detail ?? ''}`}` })));
}

function oversized(files) {
  const limit = state.me.limits?.maxUploadBytes;
  const big = [...files].filter((f) => limit && f.size > limit);
  return big.length ? `Too large: ${big.map((f) => `${f.name} (${fmtBytes(f.size)})`).join(', ')}; the limit is ${fmtBytes(limit)} per photo.` : '';
}

async function uploadSamples(personId, files, out) {
  const form = new FormData();
  for (const f of files) form.append('photos', f, f.name);
  try {
    const r = await state.api.post(`/api/people/${encodeURIComponent(personId)}/samples`, form);
    out.append(h('p', { class: 'ok', text: `${r.accepted} accepted, ${r.skipped} skipped, ${r.rejected} rejected` }), outcomeList(r.results));
    return r.accepted > 0;
  } catch (e) {
    out.append(h('p', { class: 'error', text: e.message }));
    if (Array.isArray(e.details)) out.append(outcomeList(e.details));
    return false;
  }
}

$('#enroll-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = clear($('#enroll-result'));
  const files = $('#enroll-files').files;
  const tooBig = oversized(files);
  if (tooBig) { out.append(h('p', { class: 'error', text: tooBig })); return; }
  try {
    const person = await state.api.post('/api/people', { name: $('#enroll-name').value });
    const ok = await uploadSamples(person.id, files, out);
    // nobody without a face: a person none of whose photos was accepted is removed again
    if (!ok) { await state.api.del(`/api/people/${encodeURIComponent(person.id)}`); out.append(h('p', { class: 'error', text: 'Nobody was enrolled.' })); }
    else { $('#enroll-form').reset(); location.hash = `#people/${person.id}`; }
    await loadPeople();
  } catch (err) {
    out.append(h('p', { class: 'error', text: err.message }));
  }
});

async function openPerson(id) {
  state.personId = id;
  for (const li of $('#people-list').children) li.classList.toggle('selected', li.dataset.personId === id);
  let p;
  try { p = await state.api.get(`/api/people/${encodeURIComponent(id)}`); } catch (e) { showPeople(); $('#enroll-result').textContent = e.message; return; }
  $('#person-detail').hidden = false;
  $('#person-detail').dataset.personId = id;
  $('#person-name').textContent = p.name;
  $('#person-id').textContent = `${p.id} · ${p.samples} samples · since ${fmtTime(p.createdAt)}`;
  $('#rename-name').value = p.name;
  $('#person-watch').checked = p.metadata?.watchlist === true;
  clear($('#add-samples-result'));
  const samples = clear($('#person-samples'));
  for (const s of p.sampleList) {
    samples.append(h('figure', { dataset: { sampleId: s.id } },
      s.hasThumbnail ? state.api.img(`/api/people/${encodeURIComponent(id)}/samples/${s.id}/thumbnail`, `sample ${s.id}`) : h('div', { text: 'no image' }),
      h('figcaption', { text: `#${s.id}` }),
      state.me.role === 'admin' ? h('button', { text: 'remove', onclick: () => removeSample(id, s.id) }) : ''));
  }
  const list = clear($('#person-sightings'));
  const r = await state.api.get(`/api/sightings?personId=${encodeURIComponent(id)}&limit=20`);
  for (const s of r.items) list.append(sightingRow({ ...s, crop: null, score: s.maxScore }, { noFix: true }));
  if (r.items.length === 0) list.append(h('li', { text: 'No sightings yet.' }));
}

async function removeSample(personId, sampleId) {
  if (!confirm(`Remove sample #${sampleId}?`)) return;
  try { await state.api.del(`/api/people/${encodeURIComponent(personId)}/samples/${sampleId}`); } catch (e) { alert(e.message); }
  await openPerson(personId);
  await loadPeople();
}

function showPeople() {
  state.personId = null;
  $('#person-detail').hidden = true;
}

$('#rename-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try { await state.api.patch(`/api/people/${encodeURIComponent(state.personId)}`, { name: $('#rename-name').value }); } catch (err) { alert(err.message); }
  await loadPeople();
  await openPerson(state.personId);
});
$('#person-watch').addEventListener('change', async () => {
  const id = state.personId;
  try {
    const p = await state.api.get(`/api/people/${encodeURIComponent(id)}`);
    await state.api.patch(`/api/people/${encodeURIComponent(id)}`, { metadata: { ...p.metadata, watchlist: $('#person-watch').checked } });
  } catch (err) { alert(err.message); }
  await loadPeople();
});
$('#add-samples-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = clear($('#add-samples-result'));
  const files = $('#add-samples-files').files;
  const tooBig = oversized(files);
  if (tooBig) { out.append(h('p', { class: 'error', text: tooBig })); return; }
  const id = state.personId;
  await uploadSamples(id, files, out);
  $('#add-samples-form').reset();
  const keep = [...out.childNodes];
  await openPerson(id);
  $('#add-samples-result').append(...keep);
  await loadPeople();
});
$('#person-delete').addEventListener('click', async () => {
  const p = state.people.find((x) => x.id === state.personId);
  if (!confirm(`Delete ${p?.name ?? state.personId}? This erases their samples, sightings and crops for good.`)) return;
  try {
    const r = await state.api.del(`/api/people/${encodeURIComponent(state.personId)}`);
    $('#enroll-result').replaceChildren(h('p', { class: 'ok', text: `Deleted ${r.name}: ${r.samples} samples, ${r.sightings} sightings.` }));
  } catch (err) { alert(err.message); }
  location.hash = '#people';
  await loadPeople();
});

// ------------------------------------------------------------------ unknowns

async function loadUnknowns() {
  const list = clear($('#unknowns-list'));
  try {
    const r = await state.api.get('/api/unknowns?limit=60');
    $('#unknowns-status').textContent = r.total === 0 ? 'No unknown faces.' : `${r.total} clusters`;
    for (const c of r.items) {
      const name = h('input', { placeholder: 'name', maxlength: 200 });
      const out = h('div');
      const card = h('div', { class: 'cluster', dataset: { cluster: c.key } },
        h('div', { class: 'thumbs' }, c.sightingIds.map((id) => state.api.img(`/api/sightings/${id}/crop`))),
        h('p', { class: 'muted', text: `${c.sightings} sightings · ${c.cameras.join(', ')} · last ${fmtTime(c.lastSeen)}` }),
        state.me.role === 'admin' ? h('form', { class: 'row', onsubmit: async (e) => {
          e.preventDefault();
          clear(out);
          try {
            const res = await state.api.post(`/api/unknowns/${encodeURIComponent(c.key)}/name`, { version: 1, name: name.value });
            out.append(h('p', { class: 'ok', text: `Enrolled ${res.person.name}; ${res.relabelled} sightings relabelled.` }), outcomeList(res.results));
            await loadPeople();
            setTimeout(loadUnknowns, 1500);
          } catch (err) { out.append(h('p', { class: 'error', text: err.message })); }
        } }, name, h('button', { type: 'submit', text: 'Name this person' }), h('button', { type: 'button', text: 'Ignore', onclick: () => {
          state.socket.emit('unknown:ignore', { version: 1, clusterKey: c.key }, (ack) => { if (ack?.ok) card.remove(); else out.replaceChildren(h('p', { class: 'error', text: ack?.error?.message ?? 'refused' })); });
        } })) : '',
        out);
      list.append(card);
    }
  } catch (e) {
    $('#unknowns-status').textContent = e.message;
  }
}

// ------------------------------------------------------------------ alert rules and deliveries

async function loadAlerts() {
  const rules = await state.api.get('/api/alerts/rules');
  const names = new Map(rules.items.map((r) => [r.id, r.name]));
  const rows = clear($('#rules-rows'));
  for (const r of rules.items) {
    rows.append(h('tr', { dataset: { ruleId: r.id } },
      h('td', { text: r.name }), h('td', { text: r.kind + (r.hours ? ` (${r.hours.from}–${r.hours.to} h)` : '') }),
      h('td', { text: r.cameraIds.length ? r.cameraIds.join(', ') : 'any' }), h('td', { text: `${r.cooldownS ?? 'default'} s` }),
      h('td', { text: r.webhook ? r.webhook.url : '' }),
      h('td', {}, state.me.role === 'admin' ? h('button', { class: 'danger', text: 'delete', onclick: async () => {
        if (!confirm(`Delete rule ${r.name}?`)) return;
        await state.api.del(`/api/alerts/rules/${r.id}`);
        loadAlerts();
      } }) : '')));
  }
  const q = $('#alerts-dead-only').checked ? '?delivery=dead&limit=100' : '?limit=100';
  const events = await state.api.get(`/api/alerts/events${q}`);
  const ev = clear($('#alerts-rows'));
  for (const a of events.items) {
    ev.append(h('tr', { dataset: { alertId: a.id, delivery: a.delivery } },
      h('td', { text: a.id }), h('td', { text: names.get(a.ruleId) ?? a.ruleId }), h('td', { text: a.payload.person?.name ?? a.payload.sighting.label }),
      h('td', { text: a.cameraId }), h('td', { text: fmtTime(a.at) }),
      h('td', { text: `${a.delivery}${a.attempts ? ` after ${a.attempts} attempts` : ''}${a.lastError ? ` (${a.lastError})` : ''}` }),
      h('td', {}, a.delivery === 'dead' && state.me.role === 'admin' ? h('button', { text: 'retry', onclick: async () => { await state.api.post(`/api/alerts/events/${a.id}/retry`); loadAlerts(); } }) : '')));
  }
}
$('#alerts-dead-only').addEventListener('change', loadAlerts);

$('#rule-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#rule-result');
  out.textContent = '';
  const from = $('#rule-from').value, to = $('#rule-to').value;
  const url = $('#rule-url').value.trim();
  const body = {
    version: 1,
    name: $('#rule-name').value,
    kind: $('#rule-kind').value,
    personIds: [...$('#rule-people').selectedOptions].map((o) => o.value),
    cameraIds: $('#rule-cameras').value.split(',').map((s) => s.trim()).filter(Boolean),
    hours: from !== '' && to !== '' ? { from: Number(from), to: Number(to) } : null,
    cooldownS: Number($('#rule-cooldown').value || 0),
    webhook: url ? { url, crop: $('#rule-crop').value } : null,
  };
  try {
    const r = await state.api.post('/api/alerts/rules', body);
    out.className = 'ok';
    out.textContent = r.webhook ? `Created. Webhook signing secret (shown once): ${r.secret}` : 'Created.';
    loadAlerts();
  } catch (err) {
    out.className = 'error';
    out.textContent = err.message;
  }
});

// ------------------------------------------------------------------ routing

const currentView = () => (location.hash.slice(1).split('/')[0] || 'live');

function route() {
  if (!state.api) { for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-signin'; return; }
  const [view, arg] = location.hash.slice(1).split('/');
  const name = ['live', 'history', 'people', 'unknowns', 'alerts'].includes(view) ? view : 'live';
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === name);
  if (name === 'history') loadHistory();
  if (name === 'people') { loadPeople(); loadReview(); if (arg) openPerson(decodeURIComponent(arg)); else showPeople(); }
  if (name === 'unknowns') loadUnknowns();
  if (name === 'alerts') loadAlerts().catch((e) => { $('#rule-result').textContent = e.message; });
}
window.addEventListener('hashchange', route);

const saved = sessionStorage.getItem('facestream.key') ?? localStorage.getItem('facestream.key');
const savedError = sessionStorage.getItem('facestream.signin-error');
if (savedError) { $('#signin-error').textContent = savedError; sessionStorage.removeItem('facestream.signin-error'); }
if (saved) signIn(saved, false).catch(() => { sessionStorage.removeItem('facestream.key'); route(); });
else route();

// DOM helpers: data only ever reaches the page as text nodes or attributes, never as HTML.

/** h('li', { class: 'x', dataset: { id: 1 }, onclick: fn }, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const $ = (sel) => document.querySelector(sel);
export const clear = (el) => { el.replaceChildren(); return el; };
export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
export const fmtScore = (s) => (s === null || s === undefined ? '' : s.toFixed(3));
export const fmtBytes = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.round(n / 1024)} kB`);

// REST client: every request carries the API key; errors carry the server's code and message.

export class ApiFailure extends Error {
  constructor(status, code, message, details) { super(message); this.status = status; this.code = code; this.details = details; }
}

export class Api {
  constructor(key) { this.key = key; }

  async request(method, path, body) {
    const headers = { authorization: `Bearer ${this.key}` };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload });
    } catch (e) {
      throw new ApiFailure(0, 'E_NETWORK', `the hub did not answer (${e.message})`);
    }
    if (res.status === 204) return null;
    const type = res.headers.get('content-type') || '';
    const data = type.includes('json') ? await res.json() : await res.blob();
    if (!res.ok) throw new ApiFailure(res.status, data?.error?.code ?? 'E_HTTP', data?.error?.message ?? `HTTP ${res.status}`, data?.error?.details);
    return data;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  put(path, body) { return this.request('PUT', path, body); }
  patch(path, body) { return this.request('PATCH', path, body); }
  del(path) { return this.request('DELETE', path); }

  /** An <img> whose bytes are fetched with the key (an img src cannot send headers). */
  img(path, alt = '') {
    const el = document.createElement('img');
    el.alt = alt;
    el.loading = 'lazy';
    this.get(path).then((blob) => { el.src = URL.createObjectURL(blob); el.onload = () => URL.revokeObjectURL(el.src); }).catch(() => { el.title = 'no image'; });
    return el;
  }
}

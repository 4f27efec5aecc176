/**
 * Hide credentials in URLs for logs, status, errors and API answers, also where a URL appears
 * inside a longer text (ffmpeg error lines repeat it):
 * - userinfo however it is written, an unencoded `@` or `/` in the password included
 *   (`rtsp://admin:p@ss:w0rd@cam/s` -> `rtsp://***:***@cam/s`): everything between `://` and
 *   the last `@` before the query is the userinfo;
 * - the value of every query (or fragment) parameter whose name suggests a secret
 *   (`?user=admin&pwd=x` -> `?user=***&pwd=***`).
 * Over-masking is the safe error: a path with an `@` loses the part before it.
 */
const urlToken = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi;
/** Parameter names that carry credentials: user, pass, pwd, token, key, secret, auth, sig, session ... */
const secretName = /^(?:user(?:name)?|usr|login|pass(?:word|wd|phrase)?|pwd|psw|token|(?:api|access|private|secret)?[-_]?key|keyid|secret|auth(?:orization)?|sig(?:nature)?|x-amz-signature|x-amz-credential|credentials?|session(?:id)?|sid|code|ticket|jwt|bearer)$/i;
const secretish = /pass|pwd|token|secret|auth|sig|cred|session|key/i;

export function maskUrl(text: string): string {
  return text.replace(urlToken, maskOne);
}

function maskOne(url: string): string {
  const schemeEnd = url.indexOf('://') + 3;
  const queryAt = url.slice(schemeEnd).search(/[?#]/);
  const authorityAndPath = queryAt < 0 ? url.slice(schemeEnd) : url.slice(schemeEnd, schemeEnd + queryAt);
  let out = url.slice(0, schemeEnd);
  const at = authorityAndPath.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authorityAndPath.slice(0, at);
    out += `${userinfo.includes(':') ? '***:***' : '***'}${authorityAndPath.slice(at)}`;
  } else {
    out += authorityAndPath;
  }
  if (queryAt >= 0) out += maskParams(url.slice(schemeEnd + queryAt));
  return out;
}

/** `?a=1&pwd=x#token=y` with secret-named values replaced by ***. */
function maskParams(rest: string): string {
  return rest.replace(/([?#&;])([^=&#;]*)=([^&#;]*)/g, (m, sep: string, name: string, value: string) => {
    let decoded = name;
    try { decoded = decodeURIComponent(name); } catch { /* keep the raw name */ }
    return value !== '' && (secretName.test(decoded) || secretish.test(decoded)) ? `${sep}${name}=***` : m;
  });
}

export type SourceKind = 'rtsp' | 'http' | 'file';

export function sourceKind(url: string): SourceKind {
  if (/^rtsps?:\/\//i.test(url)) return 'rtsp';
  if (/^https?:\/\//i.test(url)) return 'http';
  return 'file';
}

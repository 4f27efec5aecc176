/**
 * Hide credentials in a camera URL for logs, status and errors:
 * rtsp://admin:secret@cam/stream -> rtsp://***:***@cam/stream. Also masks the URL
 * wherever it appears inside a longer text (ffmpeg error lines repeat it).
 */
export function maskUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/gi, (_m, scheme: string, cred: string) =>
    `${scheme}${cred.includes(':') ? '***:***' : '***'}@`);
}

export type SourceKind = 'rtsp' | 'http' | 'file';

export function sourceKind(url: string): SourceKind {
  if (/^rtsps?:\/\//i.test(url)) return 'rtsp';
  if (/^https?:\/\//i.test(url)) return 'http';
  return 'file';
}

import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../../src/common/mask-url.js';

describe('maskUrl: credentials hidden however they are written', () => {
  const table: [string, string, string][] = [
    ['user and password', 'rtsp://admin:s3cr3t@10.0.0.5:554/live', 'rtsp://***:***@10.0.0.5:554/live'],
    ['a token as the user', 'http://token@cam/mjpeg', 'http://***@cam/mjpeg'],
    ['unencoded @ and : in the password', 'rtsp://admin:p@ss:w0rd@h/s', 'rtsp://***:***@h/s'],
    ['unencoded / in the password', 'rtsp://admin:pa/ss@h:554/s', 'rtsp://***:***@h:554/s'],
    ['percent-encoded @ in the password', 'rtsp://admin:p%40ss@h/s', 'rtsp://***:***@h/s'],
    ['credentials in the query', 'http://cam/snapshot.cgi?user=admin&pwd=QuerySecret9', 'http://cam/snapshot.cgi?user=***&pwd=***'],
    ['token, key, sig and auth parameters', 'https://h/x?channel=1&access_token=a&apikey=b&sig=c&auth=d&Password=e',
      'https://h/x?channel=1&access_token=***&apikey=***&sig=***&auth=***&Password=***'],
    ['userinfo and query together', 'rtsp://a:b@h/s?subtype=0&password=z', 'rtsp://***:***@h/s?subtype=0&password=***'],
    ['an @ in a query value only', 'http://h/s?user=me@example.com', 'http://h/s?user=***'],
    ['a URL inside an ffmpeg error line', "[rtsp @ 0x55] method DESCRIBE failed: 401 'rtsp://u:p@ss@10.0.0.9/live?token=t'",
      "[rtsp @ 0x55] method DESCRIBE failed: 401 'rtsp://***:***@10.0.0.9/live?token=***'"],
    ['two URLs in one text', 'rtsp://a:b@x/1 then http://c:d@y/2', 'rtsp://***:***@x/1 then http://***:***@y/2'],
    ['no credentials: unchanged', 'rtsp://10.0.0.5:554/live?channel=1&subtype=0', 'rtsp://10.0.0.5:554/live?channel=1&subtype=0'],
    ['a file path: unchanged', '/videos/a.mp4', '/videos/a.mp4'],
  ];
  it.each(table)('%s', (_name, input, want) => {
    expect(maskUrl(input)).toBe(want);
  });
});

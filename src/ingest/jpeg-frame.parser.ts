/**
 * Splits a byte stream of concatenated JPEG images (ffmpeg `-f image2pipe -c:v mjpeg`) into
 * frames. Walks the marker segments by their lengths (so an embedded thumbnail or an 0xFFD9
 * byte pair inside a segment payload cannot end a frame early), then scans the entropy-coded
 * data for the next real marker (0xFF followed by anything but 0x00 or RSTn). Chunks may split
 * anywhere, markers included; incomplete data waits for the next chunk.
 */
export interface JpegParserOptions {
  /** A frame larger than this is discarded (corrupt stream) and the parser resynchronises (default 32 MiB). */
  maxFrameBytes?: number;
}

export class JpegFrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;
  /** Bytes thrown away while looking for a start-of-image marker or from broken frames. */
  discardedBytes = 0;

  constructor(options: JpegParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 32 * 1024 * 1024;
  }

  /** Feed a chunk; returns the complete frames it finished (possibly none). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Buffer[] = [];
    for (;;) {
      const soi = findSoi(this.buf, 0);
      if (soi < 0) {
        // keep a trailing 0xFF: it may be the first half of the next SOI
        const keep = this.buf.length && this.buf[this.buf.length - 1] === 0xff ? 1 : 0;
        this.discardedBytes += this.buf.length - keep;
        this.buf = this.buf.subarray(this.buf.length - keep);
        return frames;
      }
      if (soi > 0) { this.discardedBytes += soi; this.buf = this.buf.subarray(soi); }
      const end = frameEnd(this.buf);
      if (end === 'incomplete') {
        if (this.buf.length > this.maxFrameBytes) this.resync();
        else return frames;
      } else if (end === 'corrupt') {
        this.resync();
      } else if (end > this.maxFrameBytes) {
        this.discardedBytes += end;
        this.buf = this.buf.subarray(end);
      } else {
        frames.push(Buffer.from(this.buf.subarray(0, end)));
        this.buf = this.buf.subarray(end);
      }
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number { return this.buf.length; }

  reset(): void { this.buf = Buffer.alloc(0); }

  private resync(): void {
    // drop this SOI and look for the next one
    this.discardedBytes += 2;
    this.buf = this.buf.subarray(2);
  }
}

function findSoi(b: Buffer, from: number): number {
  for (let i = b.indexOf(0xff, from); i >= 0 && i + 1 < b.length; i = b.indexOf(0xff, i + 1)) {
    if (b[i + 1] === 0xd8) return i;
  }
  return -1;
}

/** Offset just past the EOI of the frame starting at 0, or why there is none yet. */
function frameEnd(b: Buffer): number | 'incomplete' | 'corrupt' {
  let p = 2;
  for (;;) {
    if (p >= b.length) return 'incomplete';
    if (b[p] !== 0xff) return 'corrupt';
    while (p < b.length && b[p] === 0xff) p++; // fill bytes
    if (p >= b.length) return 'incomplete';
    const marker = b[p]!;
    p++;
    if (marker === 0xd9) return p; // EOI
    if (marker === 0xd8 || marker === 0x00) return 'corrupt';
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // standalone
    if (p + 2 > b.length) return 'incomplete';
    const len = b.readUInt16BE(p);
    if (len < 2) return 'corrupt';
    p += len;
    if (marker !== 0xda) continue;
    // entropy-coded data after SOS: runs to the next marker that is not stuffing or a restart
    for (;;) {
      const ff = b.indexOf(0xff, p);
      if (ff < 0 || ff + 1 >= b.length) return 'incomplete';
      const next = b[ff + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) { p = ff + 1 + (next === 0xff ? 0 : 1); continue; }
      p = ff;
      break;
    }
  }
}

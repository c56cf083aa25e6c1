/**
 * What a plugin prints while it is loaded, read from one of the loader's
 * pipes (stdout or stderr): kept up to a limit, and cut into one piece per
 * entry point at the marker the loader writes after each load. A plugin may
 * print through `console`, `process.stdout` or straight to the file
 * descriptor: whatever the path, the bytes reach this pipe before the
 * marker, so they are never given to the next entry point.
 */

/** At most this many bytes of each stream are kept per entry point; the rest is counted. */
export const OUTPUT_LIMIT_BYTES = 32 * 1024;

/** What one stream carried while one entry point was loaded. */
export interface CapturedText {
  /** The first {@link OUTPUT_LIMIT_BYTES} bytes, as UTF-8 text. */
  text: string;
  /** How many bytes were left out beyond the limit. */
  omittedBytes: number;
}

export class StreamCapture {
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private omittedBytes = 0;
  /** The end of the data read so far, held back while it may be the start of a split marker. */
  private held: Buffer = Buffer.alloc(0);
  private marker: Buffer | null = null;
  private onMarker: (() => void) | null = null;
  /** The piece that ended at the last marker, until {@link collect} takes it. */
  private completed: CapturedText | null = null;
  /** True once the pipe has ended (no process holds its writing end any more). */
  ended = false;
  private onEnd: (() => void)[] = [];

  /** @param limit The number of bytes kept per piece. */
  constructor(private readonly limit = OUTPUT_LIMIT_BYTES) {}

  /** Feeds bytes read from the pipe. */
  push(chunk: Buffer): void {
    let data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    if (this.marker) {
      const at = data.indexOf(this.marker);
      if (at >= 0) {
        this.keep(data.subarray(0, at));
        data = data.subarray(at + this.marker.length);
        this.completed = this.take();
        const found = this.onMarker as () => void;
        this.forget();
        found();
      }
    }
    if (this.marker) {
      // A marker may be split across reads: hold back what could be its beginning.
      const hold = Math.min(data.length, this.marker.length - 1);
      this.keep(data.subarray(0, data.length - hold));
      this.held = Buffer.from(data.subarray(data.length - hold));
    } else {
      this.keep(data);
    }
  }

  /** Notes that the pipe has ended. */
  end(): void {
    this.ended = true;
    for (const listener of this.onEnd.splice(0)) listener();
  }

  /** Calls `listener` once the pipe has ended (at once if it has); returns a function that cancels it. */
  whenEnded(listener: () => void): () => void {
    if (this.ended) listener();
    else this.onEnd.push(listener);
    return () => {
      this.onEnd = this.onEnd.filter((other) => other !== listener);
    };
  }

  /**
   * Waits for `marker`: once it arrives, what was read before it is the
   * piece {@link collect} returns, what follows it starts the next piece,
   * and `found` is called.
   */
  expect(marker: Buffer, found: () => void): void {
    this.marker = marker;
    this.onMarker = found;
    this.completed = null;
  }

  /** Stops waiting for a marker (what was held back is kept). */
  forget(): void {
    this.marker = null;
    this.onMarker = null;
    if (this.held.length) {
      this.keep(this.held);
      this.held = Buffer.alloc(0);
    }
  }

  /** The piece that ended at the marker; without one, everything read since the last piece. */
  collect(): CapturedText {
    const piece = this.completed ?? this.take();
    this.completed = null;
    return piece;
  }

  private take(): CapturedText {
    const bytes = Buffer.concat(this.kept);
    const end = this.omittedBytes > 0 ? lastWholeCharacter(bytes) : bytes.length;
    const piece = {
      text: bytes.subarray(0, end).toString('utf8'),
      omittedBytes: this.omittedBytes + bytes.length - end,
    };
    this.kept = [];
    this.keptBytes = 0;
    this.omittedBytes = 0;
    return piece;
  }

  private keep(data: Buffer): void {
    if (data.length === 0) return;
    const room = Math.max(0, this.limit - this.keptBytes);
    if (room > 0) {
      // Copied: the chunk's buffer is not ours to keep alive.
      const part = Buffer.from(data.subarray(0, room));
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    this.omittedBytes += Math.max(0, data.length - room);
  }
}

/** Where the bytes end once a character cut in two by the limit is dropped. */
function lastWholeCharacter(bytes: Buffer): number {
  const end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the start of the last character.
  let start = end - 1;
  while (start > 0 && end - start < 4 && (bytes[start] & 0xc0) === 0x80) start--;
  if (start < 0) return end;
  const lead = bytes[start];
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > end ? start : end;
}

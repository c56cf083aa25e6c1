/**
 * The channel between the command and its loader: one JSON message a line,
 * each behind a prefix, on a pipe of its own each way (file descriptors 3
 * and 4 of the loader). A plugin can write to those descriptors too: what is
 * not a well-formed message is skipped, never thrown, and a line may not
 * grow without bound. (Node's own IPC channel throws in the parent on a line
 * that is not JSON, which would let a plugin crash the command.)
 */

/** What starts every message on a line; anything before it on the line is skipped. */
export const FRAME_PREFIX = '\u0000stevedore:';

/** The longest line kept while waiting for its end; a longer one is dropped whole. */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** A message as one line. */
export function frame(message: object): string {
  return `${FRAME_PREFIX}${JSON.stringify(message)}\n`;
}

/** Reads messages from the text of a stream, as it arrives. */
export class FrameReader {
  private pending = '';
  /** True while the rest of a line that grew too long is being skipped. */
  private skipping = false;

  /** @param onMessage Called with each well-formed message (a JSON object), in order. */
  constructor(private readonly onMessage: (message: Record<string, unknown>) => void) {}

  push(text: string): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const line = this.pending + text.slice(start, end);
      this.pending = '';
      start = end + 1;
      if (this.skipping) this.skipping = false;
      else this.read(line);
    }
    if (this.skipping) return;
    this.pending += text.slice(start);
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = '';
      this.skipping = true;
    }
  }

  private read(line: string): void {
    const at = line.lastIndexOf(FRAME_PREFIX);
    if (at < 0) return;
    let message: unknown;
    try {
      message = JSON.parse(line.slice(at + FRAME_PREFIX.length));
    } catch {
      return;
    }
    if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
      this.onMessage(message as Record<string, unknown>);
    }
  }
}

/**
 * Reading a request body the way Trove's RequestDeserializer does: an empty
 * body is no body; a body without a Content-Type header is ignored; a body
 * that is not `application/json` is refused with 415 (Trove also reads XML,
 * this service does not); JSON that does not parse is a 400 fault.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './resources';

/** The largest body read (a larger one is a 413 fault). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The raw bytes of the body, up to `limit` (a 413 HttpError past it). */
export function readRawBody(incoming: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    incoming.on('error', reject);
    incoming.on('end', () => {
      if (size > limit) reject(new HttpError(413, `Request body too large: the limit is ${limit} bytes.`));
      else resolve(Buffer.concat(chunks));
    });
  });
}

/** The media type of a Content-Type header, without parameters, lower-cased; null when there is none. */
export function mediaType(header: string | undefined): string | null {
  if (header === undefined) return null;
  return header.split(';')[0].trim().toLowerCase();
}

/** The parsed JSON body, or undefined for none; throws a 415 or 400 HttpError. */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (!raw.length) return undefined;
  const type = mediaType(contentType);
  if (type === null) return undefined;
  if (type !== 'application/json') {
    throw new HttpError(415, `Unsupported Content-Type: ${type || '(empty)'}; send the body as application/json.`);
  }
  const text = raw.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Malformed request body: ${(error as Error).message}`);
  }
}

/**
 * A Server-Sent Events reader over a fetch body. EventSource cannot send the dashboard key header, so
 * the stream is read by hand; this follows the HTML spec's parsing rules for the fields we use.
 */

export interface SseMessage {
  /** `event:` field; "message" when absent. */
  event: string;
  /** `data:` lines joined with "\n". */
  data: string;
  /** `id:` field, when sent. */
  id: string | null;
}

/** Yields every message in `stream` until it ends (or `signal` aborts, which ends the iteration quietly). */
export async function* readSse(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8');
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let first = true;
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        // A final CR cannot be the first half of CRLF any more: end the line it ends.
        if (!buffer.endsWith('\r')) break;
        buffer += '\n';
      } else {
        buffer += decoder.decode(value, { stream: true });
      }
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let start = 0;
      for (;;) {
        const lf = buffer.indexOf('\n', start);
        const cr = buffer.indexOf('\r', start);
        let end: number;
        let next: number;
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          // A CR at the very end may be the first half of CRLF: wait for more input.
          if (cr === buffer.length - 1) break;
          end = cr;
          next = buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        } else if (lf !== -1) {
          end = lf;
          next = lf + 1;
        } else break;
        const line = buffer.slice(start, end);
        start = next;
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
      buffer = buffer.slice(start);
      if (ended) break;
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // The consumer stopped early: close the connection rather than leave it open.
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  // A message not followed by a blank line when the stream ends is dropped, as the spec says.
}

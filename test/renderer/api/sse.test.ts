import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from '../../../renderer/src/api/sse';

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(stream, signal)) out.push(message);
  return out;
}

describe('readSse', () => {
  it('parses event and data lines into messages', async () => {
    const messages = await collect(streamOf(['event: statusChanged\ndata: {"a":1}\n\nevent: deletionsAdded\ndata: []\n\n']));
    expect(messages).toEqual([
      { event: 'statusChanged', data: '{"a":1}', id: null },
      { event: 'deletionsAdded', data: '[]', id: null },
    ]);
  });

  it('handles messages split anywhere across chunks, CRLF and CR line ends', async () => {
    const text = 'event: settingsChanged\r\ndata: {"language":"ru"}\r\n\r\nevent: x\rdata: 1\r\r';
    const chunks = text.split('').map((c) => c); // one character per chunk, CRLF split in the middle
    const messages = await collect(streamOf(chunks));
    expect(messages).toEqual([
      { event: 'settingsChanged', data: '{"language":"ru"}', id: null },
      { event: 'x', data: '1', id: null },
    ]);
  });

  it('joins multi-line data, skips comments and keeps the last id', async () => {
    const messages = await collect(streamOf([': keep-alive\n\nid: 7\ndata: line one\ndata:line two\ndata\n\n']));
    expect(messages).toEqual([{ event: 'message', data: 'line one\nline two\n', id: '7' }]);
  });

  it('decodes UTF-8 split inside a character and drops a leading BOM', async () => {
    const bytes = new TextEncoder().encode('\uFEFFevent: e\ndata: Сделка\n\n');
    const messages = await collect(streamOf([bytes.slice(0, 20), bytes.slice(20)]));
    expect(messages).toEqual([{ event: 'e', data: 'Сделка', id: null }]);
  });

  it('drops an unterminated message at the end of the stream', async () => {
    const messages = await collect(streamOf(['data: complete\n\ndata: partial']));
    expect(messages.map((m) => m.data)).toEqual(['complete']);
  });

  it('ends quietly when aborted', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: first\n\n'));
      },
    });
    const seen: string[] = [];
    for await (const message of readSse(stream, controller.signal)) {
      seen.push(message.data);
      controller.abort();
    }
    expect(seen).toEqual(['first']);
  });
});

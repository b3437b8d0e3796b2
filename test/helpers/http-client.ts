import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  json: () => any;
}

/** A raw HTTP request on 127.0.0.1 with full control of headers (fetch cannot set Host, Content-Length). */
export function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer; agent?: http.Agent | false },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** POSTs a body to the event listener with a content type. */
export function postEvent(port: number, body: string | Buffer, contentType = 'application/x-www-form-urlencoded'): Promise<RawResponse> {
  return request(port, { body, headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } });
}

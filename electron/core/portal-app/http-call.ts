/**
 * The one request function application mode sends everything through: a POST with a hard timeout,
 * no redirects followed (a 3xx is an error: only configured hosts are called), a capped answer, and
 * Bitrix24's `{error, error_description}` turned into a typed error. Limits, retries and auth are
 * wrappers around it (rest-client.ts), not spread through the callers.
 */

/** 4 MiB: a page of 50 rows or a batch of 50 answers is far smaller. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** An error answer from a portal or OAuth server, or a transport failure (`status` 0). */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code}${description ? `: ${description}` : ''}${status ? ` (HTTP ${status})` : ''}`);
  }
}

export type RequestBody = { json: unknown } | { form: Record<string, string> };

export interface HttpCall {
  (url: string, body: RequestBody, options: { timeoutMs: number }): Promise<Record<string, unknown>>;
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new RemoteError(response.status, 'ANSWER_TOO_LARGE', `more than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** POSTs `body` to `url` and returns the parsed JSON object, or throws a `RemoteError`. */
export const httpCall: HttpCall = async (url, body, { timeoutMs }) => {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'Content-Type': 'json' in body ? 'application/json' : 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'User-Agent': 'Bitrix24 Deletion Monitor',
      },
      body: 'json' in body ? JSON.stringify(body.json) : new URLSearchParams(body.form).toString(),
    });
  } catch (error) {
    const reason = signal.aborted ? `no answer in ${timeoutMs} ms` : ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new RemoteError(0, signal.aborted ? 'TIMEOUT' : 'NETWORK', reason);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new RemoteError(response.status, 'REDIRECT_REFUSED', 'redirects are not followed');
  }
  let text: string;
  try {
    text = await readCapped(response);
  } catch (error) {
    if (error instanceof RemoteError) throw error;
    throw new RemoteError(0, signal.aborted ? 'TIMEOUT' : 'NETWORK', (error as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RemoteError(response.status, 'NOT_JSON', `answer is not JSON (HTTP ${response.status})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RemoteError(response.status, 'NOT_JSON', 'answer is not a JSON object');
  const answer = parsed as Record<string, unknown>;
  if (typeof answer['error'] === 'string') {
    throw new RemoteError(response.status, answer['error'], typeof answer['error_description'] === 'string' ? answer['error_description'].slice(0, 300) : '');
  }
  if (!response.ok) throw new RemoteError(response.status, 'HTTP_ERROR', `HTTP ${response.status}`);
  return answer;
};

/**
 * PHP's `http_build_query` in TypeScript: nested keys in brackets, every key and value percent-encoded
 * the way PHP's `urlencode` does (space as `+`, everything but `A-Za-z0-9_.-` as `%XX`). This is the
 * encoding Bitrix24 posts events in (shared/BITRIX24.md, "The request").
 */
export type PhpValue = string | number | boolean | null | undefined | PhpValue[] | { [key: string]: PhpValue };

/** PHP `urlencode`. */
export function phpUrlencode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `http_build_query($data)`: nulls are skipped, booleans become 1/0, arrays are indexed from 0. */
export function httpBuildQuery(data: Record<string, PhpValue>): string {
  const parts: string[] = [];
  const walk = (key: string, value: PhpValue): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [k, v] of entries) walk(`${key}[${k}]`, v);
      return;
    }
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    parts.push(`${phpUrlencode(key)}=${phpUrlencode(text)}`);
  };
  for (const [key, value] of Object.entries(data)) walk(key, value);
  return parts.join('&');
}

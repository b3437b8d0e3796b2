/** A URL shown in full (selectable, monospace) with a copy button. */
import { CopyButton } from './copy-button';

export function UrlWithCopy({ url, what }: { url: string; what: string }) {
  return (
    <span className="url-with-copy">
      <code className="url" title={url}>
        {url}
      </code>
      <CopyButton text={url} what={what} />
    </span>
  );
}

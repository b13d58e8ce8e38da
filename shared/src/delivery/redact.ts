/**
 * URL userinfo (`https://user:pass@host/…`) is a secret: results, attempt logs, error texts and CLI
 * output show it as `***@`. Decided here once; every surface calls these. Pure module (n8n may load it).
 */

const REDACTED = '***';

/** Where a URL's authority ends: at the first `/`, `\` (special schemes treat it as `/`), `?` or `#`. */
function authorityEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '/' || c === '\\' || c === '?' || c === '#') return i;
  }
  return text.length;
}

/**
 * The URL with its userinfo replaced by `***` (`https://***@host/path`). Works on templates with
 * placeholders and on text that is not a valid URL; a URL without userinfo comes back unchanged.
 */
export function redactUrl(url: string): string {
  const text = String(url);
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]{2}/i.exec(text);
  if (!scheme) return text;
  const start = scheme[0].length;
  const end = authorityEnd(text, start);
  const at = text.lastIndexOf('@', end - 1);
  if (at < start) return text;
  return `${text.slice(0, start)}${REDACTED}@${text.slice(at + 1)}`;
}

/** Every URL with userinfo inside a longer text (an error message) redacted. */
export function redactUrlsIn(text: string): string {
  const source = String(text);
  if (!source.includes('@')) return source;
  // A scheme, "//", then an authority holding an "@": the userinfo runs to the last "@" before the
  // authority ends (or whitespace/quotes, which end a URL quoted in a sentence).
  return source.replace(/\b[a-z][a-z0-9+.-]*:[/\\]{2}[^\s/\\?#]*@/gi, (match) => {
    const scheme = /^[a-z][a-z0-9+.-]*:[/\\]{2}/i.exec(match) as RegExpExecArray;
    return `${scheme[0]}${REDACTED}@`;
  });
}

/** True when the URL carries userinfo (a user name or password before the host). */
export function hasUserinfo(url: string): boolean {
  return redactUrl(url) !== String(url);
}

/**
 * The form of an HTTP target URI that DPoP compares (RFC 9449 §4.3 step 9): RFC 3986
 * §6.2.2 syntax-based and §6.2.3 scheme-based normalisation as WHATWG `URL` applies it
 * (lowercase scheme and host, default port removed, empty path → `/`, dot segments
 * resolved), without the query and fragment. Only `http:` and `https:` URIs qualify;
 * anything else (or an unparsable string) yields `undefined`.
 *
 * @example
 * ```ts
 * normaliseHtu('HTTPS://API.Example:443?x=1#f'); // 'https://api.example/'
 * normaliseHtu('ftp://api.example/');           // undefined
 * ```
 */
export function normaliseHtu(uri: string | URL): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * What a Sophtron Access Key looks like: the base64 text the dashboard shows. A domain rule, not
 * client code: settings check it at start (naming SOPHTRON_ACCESS_KEY), the client before it signs.
 */

/** True when the Access Key is standard base64 (padding optional) of at least one byte. */
export function isValidAccessKey(accessKey: string): boolean {
  const k = accessKey.trim();
  const body = k.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(body) || body.length % 4 === 1) return false;
  // With padding, the total length must be a multiple of 4.
  return k.length === body.length || k.length % 4 === 0;
}

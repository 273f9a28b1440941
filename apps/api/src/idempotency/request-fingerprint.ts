import { AppConfig, DEVELOPMENT_CREDENTIALS_KEY, loadConfig, parseCredentialsKey } from '@app/config';
import { ApiError, MAX_JSON_DEPTH } from '@app/http';
import { createHmac, hkdfSync } from 'node:crypto';

/**
 * JSON with object keys sorted, so the same body sent with another key order has the same
 * fingerprint. Bodies nested deeper than any route accepts are refused here, before recursion
 * could exhaust the stack.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth > MAX_JSON_DEPTH + 1) throw ApiError.validation('body', 'too_deep', `The body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], depth + 1)}`);
  return `{${entries.join(',')}}`;
}

const FINGERPRINT_KEY_INFO = 'end-users idempotency request fingerprint v1';

/**
 * The key of request fingerprints, derived (HKDF-SHA256) from the secret-at-rest key the cipher of
 * stored responses uses (MCP_CREDENTIALS_KEY, or the development key where it may be unset). A
 * body names a user by `external_id`, a guessable value: a plain hash of it could be reversed by
 * trying candidates, a keyed one cannot without this key. Rotating that key changes every
 * fingerprint, so a retry within 24 hours of a request made before the rotation is a 422, just as
 * its stored response no longer opens.
 */
export function fingerprintKeyOf(config: Pick<AppConfig, 'MCP_CREDENTIALS_KEY'>): Buffer {
  const secret = config.MCP_CREDENTIALS_KEY ? parseCredentialsKey(config.MCP_CREDENTIALS_KEY) : DEVELOPMENT_CREDENTIALS_KEY;
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), FINGERPRINT_KEY_INFO, 32));
}

/**
 * What makes two requests "the same request" for an Idempotency-Key: method, path and body, as an
 * HMAC-SHA256 under `key`. Without `key`, the one the API derives from this process's environment
 * (for code outside the app, e.g. a test planting a claim as the API would).
 */
export function requestFingerprint(method: string, path: string, body: unknown, key: Buffer = fingerprintKeyOf(loadConfig())): Buffer {
  return createHmac('sha256', key)
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest();
}

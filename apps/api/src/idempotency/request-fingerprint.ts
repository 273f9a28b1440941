import { ApiError, MAX_JSON_DEPTH } from '@app/http';
import { createHash } from 'node:crypto';

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

/** What makes two requests "the same request" for an Idempotency-Key: method, path and body. */
export function requestFingerprint(method: string, path: string, body: unknown): Buffer {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest();
}

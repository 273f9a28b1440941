import { createHash } from 'node:crypto';

/** Only for development and tests: production refuses to start without MCP_CREDENTIALS_KEY. */
export const DEVELOPMENT_CREDENTIALS_KEY = createHash('sha256').update('end-users development-only credentials key').digest();

/** A 32-byte key given as 64 hex characters or in base64. */
export function parseCredentialsKey(encoded: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(encoded) ? Buffer.from(encoded, 'hex') : Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error('the credentials key must be 32 bytes');
  return key;
}

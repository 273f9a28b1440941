import { createHash } from 'node:crypto';

/** Only for development and tests: production refuses to start without MCP_CREDENTIALS_KEY. */
export const DEVELOPMENT_CREDENTIALS_KEY = createHash('sha256').update('end-users development-only credentials key').digest();

/** A 32-byte key given as 64 hex characters or in base64. */
export function parseCredentialsKey(encoded: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(encoded) ? Buffer.from(encoded, 'hex') : Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error('the credentials key must be 32 bytes');
  return key;
}

/** One key-encryption key of DATA_KEK: it wraps (and unwraps) the per-user data keys. */
export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/** The development-only KEK (id `dev`), derived like DEVELOPMENT_CREDENTIALS_KEY from a fixed phrase; production refuses it. */
export const DEVELOPMENT_DATA_KEK: KeyEncryptionKey = {
  id: 'dev',
  key: createHash('sha256').update('end-users development-only data key-encryption key').digest(),
};

const KEK_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const KEK_HEX = /^[0-9a-fA-F]{64}$/;
const KEK_RING_FORMAT = 'id:<64 hex characters>[,id:<64 hex characters>...]';

/**
 * Parses DATA_KEK: `id:hex64[,id:hex64...]`, the first wraps new data keys. Throws an Error whose
 * message never contains the key material (ids may be shown). Ids: 1–32 chars of [A-Za-z0-9_.-], unique.
 */
export function parseKekRing(encoded: string): KeyEncryptionKey[] {
  if (encoded.trim() === '') throw new Error(`has no key: expected ${KEK_RING_FORMAT}`);
  const ring = encoded.split(',').map((entry, index) => parseKek(entry.trim(), index + 1));
  const ids = ring.map((kek) => kek.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new Error(`has the id "${duplicate}" more than once`);
  return ring;
}

function parseKek(entry: string, position: number): KeyEncryptionKey {
  if (entry === '') throw new Error(`entry ${position} is empty (expected ${KEK_RING_FORMAT})`);
  const colon = entry.indexOf(':');
  const id = colon === -1 ? '' : entry.slice(0, colon);
  const hex = entry.slice(colon + 1);
  // A malformed entry is named by its position only: its "id" may be (half of) a misplaced key.
  if (!KEK_ID.test(id)) throw new Error(`entry ${position} must be id:<64 hex characters>, the id 1-32 characters of A-Z a-z 0-9 _ . -`);
  if (!KEK_HEX.test(hex)) throw new Error(`entry ${position} must have a key of 32 bytes as 64 hex characters`);
  return { id, key: Buffer.from(hex, 'hex') };
}

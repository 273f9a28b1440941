import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyKind = 'platform' | 'end_user';

const KIND = {
  platform: { marker: 'sk-plat_', prefixLength: 12 },
  end_user: { marker: 'sk-eu_', prefixLength: 8 },
} as const;

const RANDOM_HEX = /^[0-9a-f]{64}$/;

/** A freshly generated key. `raw` is returned to the caller once and never stored, logged or published. */
export interface GeneratedKey {
  raw: string;
  hash: Buffer;
  prefix: string;
}

export function generateKey(kind: KeyKind): GeneratedKey {
  const raw = KIND[kind].marker + randomBytes(32).toString('hex');
  return { raw, hash: hashKey(raw), prefix: raw.slice(0, KIND[kind].prefixLength) };
}

export function hashKey(raw: string): Buffer {
  return createHash('sha256').update(raw, 'utf8').digest();
}

/** Which kind a presented key claims to be, or null when it is not well-formed at all. */
export function kindOfKey(raw: string): KeyKind | null {
  for (const kind of Object.keys(KIND) as KeyKind[]) {
    const { marker } = KIND[kind];
    if (raw.startsWith(marker) && RANDOM_HEX.test(raw.slice(marker.length))) return kind;
  }
  return null;
}

export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

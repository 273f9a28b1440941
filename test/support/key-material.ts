import { createHash } from 'node:crypto';

/**
 * Finding key material where it must not be: raw keys, their SHA-256 (hex or base64) and fields
 * named like a hash, in response bodies and log lines.
 */

export const RAW_KEY = /sk-(?:eu|plat)_[0-9a-f]{64}/g;

export interface KnownKey {
  raw: string;
  hashHex: string;
  hashBase64: string;
  /** The 64 random hex characters after the prefix. */
  secret: string;
}

export function knownKey(raw: string): KnownKey {
  const hash = createHash('sha256').update(raw, 'utf8').digest();
  return { raw, hashHex: hash.toString('hex'), hashBase64: hash.toString('base64'), secret: raw.slice(raw.indexOf('_') + 1) };
}

/** Every key whose material must not show up; raw keys can be added as they are issued. */
export class KeyRing {
  private readonly keys = new Map<string, KnownKey>();

  add(...raws: (string | undefined | null)[]): void {
    for (const raw of raws) if (raw && !this.keys.has(raw)) this.keys.set(raw, knownKey(raw));
  }

  get all(): KnownKey[] {
    return [...this.keys.values()];
  }

  /** The SHA-256 of a known key this text holds (hex, any case, or base64), if any. */
  hashIn(text: string): { key: string; form: 'hex' | 'base64' } | null {
    const lower = text.toLowerCase();
    for (const key of this.keys.values()) {
      if (lower.includes(key.hashHex)) return { key: `${key.raw.slice(0, 12)}…`, form: 'hex' };
      if (text.includes(key.hashBase64) || text.includes(key.hashBase64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))) {
        return { key: `${key.raw.slice(0, 12)}…`, form: 'base64' };
      }
    }
    return null;
  }

  /** A known key's random part, where the full raw key is not (a key cut from its prefix). */
  secretIn(text: string): string | null {
    for (const key of this.keys.values()) if (text.includes(key.secret) && !text.includes(key.raw)) return `${key.raw.slice(0, 12)}…`;
    return null;
  }
}

/** Paths of JSON fields whose name says "hash" (key_hash, hash, keyHash...). */
export function hashFields(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const here = path ? `${path}.${key}` : key;
    return [...(/hash/i.test(key) ? [here] : []), ...hashFields(item, here)];
  });
}

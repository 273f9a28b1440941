import type { KeyEncryptionKey } from '@app/config';
import { randomBytes } from 'node:crypto';
import { openBytes, sealBytes } from './aead';

/** A data key as stored: wrapped (sealed) by the key-encryption key named `kekId`. */
export interface WrappedDataKey {
  kekId: string;
  wrapped: Buffer;
}

export class UnknownKek extends Error {
  constructor(kekId: string) {
    super(`A data key is wrapped by key-encryption key "${kekId}", which DATA_KEK does not hold`);
  }
}

/**
 * The key-encryption keys of DATA_KEK: the first wraps new data keys, every one unwraps. A wrapped
 * key is bound to its end user, so it cannot be copied onto another user's row.
 */
export class KekRing {
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(private readonly keks: readonly KeyEncryptionKey[]) {
    if (keks.length === 0) throw new Error('a KEK ring needs at least one key');
    this.byId = new Map(keks.map((kek) => [kek.id, kek.key]));
  }

  get primaryId(): string {
    return this.keks[0].id;
  }

  /** A fresh random 256-bit data key for `endUserId`, and its wrapped form under the primary KEK. */
  newDataKey(endUserId: string): { dataKey: Buffer; wrapped: WrappedDataKey } {
    const dataKey = randomBytes(32);
    return { dataKey, wrapped: this.wrap(endUserId, dataKey) };
  }

  wrap(endUserId: string, dataKey: Buffer): WrappedDataKey {
    const primary = this.keks[0];
    return { kekId: primary.id, wrapped: sealBytes(primary.key, dataKey, context(endUserId, primary.id)) };
  }

  unwrap(endUserId: string, { kekId, wrapped }: WrappedDataKey): Buffer {
    const kek = this.byId.get(kekId);
    if (!kek) throw new UnknownKek(kekId);
    return openBytes(kek, wrapped, context(endUserId, kekId));
  }

  /**
   * The same data key wrapped again under the primary KEK, so that the KEK it was wrapped by can be
   * retired. Throws UnknownKek when the ring does not hold that KEK, and the AEAD's error when the
   * wrapped key does not open (another key under that id, or a row copied from another user).
   */
  rewrap(endUserId: string, wrapped: WrappedDataKey): WrappedDataKey {
    const dataKey = this.unwrap(endUserId, wrapped);
    try {
      return this.wrap(endUserId, dataKey);
    } finally {
      dataKey.fill(0);
    }
  }
}

function context(endUserId: string, kekId: string): string {
  return `end-user-data-key:${endUserId}:${kekId}`;
}

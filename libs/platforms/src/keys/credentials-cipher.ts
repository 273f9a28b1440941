import { openBytes, sealBytes } from '@app/personal-data';

const VERSION = 1;

/**
 * AES-256-GCM (the project's one AEAD, sealBytes) under one key of the service's own. `context`
 * (e.g. the owner and key) is authenticated but not stored, so a ciphertext moved to another row no
 * longer decrypts. Layout: version (1) | iv | tag | ciphertext.
 */
export class CredentialsCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  }

  encrypt(plaintext: string, context: string): Buffer {
    return Buffer.concat([Buffer.from([VERSION]), sealBytes(this.key, Buffer.from(plaintext, 'utf8'), context)]);
  }

  decrypt(sealed: Buffer, context: string): string {
    if (sealed[0] !== VERSION) throw new Error('unknown credentials format');
    return openBytes(this.key, sealed.subarray(1), context).toString('utf8');
  }
}

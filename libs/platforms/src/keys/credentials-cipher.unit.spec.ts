import { randomBytes } from 'node:crypto';
import { parseCredentialsKey } from '@app/config';
import { CredentialsCipher } from './credentials-cipher';

describe('CredentialsCipher', () => {
  const cipher = new CredentialsCipher(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = cipher.encrypt('{"token":"ghp_secret"}', 'user-1:github');
    expect(sealed.toString('utf8')).not.toContain('ghp_secret');
    expect(cipher.decrypt(sealed, 'user-1:github')).toBe('{"token":"ghp_secret"}');
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same', 'c').equals(cipher.encrypt('same', 'c'))).toBe(false);
  });

  it('refuses a ciphertext under another context or with a flipped bit', () => {
    const sealed = cipher.encrypt('secret', 'user-1:github');
    expect(() => cipher.decrypt(sealed, 'user-2:github')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => cipher.decrypt(tampered, 'user-1:github')).toThrow();
  });

  it('parses hex and base64 keys of 32 bytes only', () => {
    const key = randomBytes(32);
    expect(parseCredentialsKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseCredentialsKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseCredentialsKey(randomBytes(16).toString('base64'))).toThrow();
  });
});

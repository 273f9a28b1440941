import type { PersonalFieldCipher } from '@app/end-users';
import { openBytes, sealBytes } from './aead';

/** What every sealed value starts with (and no JSON text does). */
export const SEALED_PREFIX = 'pd1:';

/** The personal fields of one stream, sealed with its end user's data key (`pd1:` + base64). */
export class StreamFieldCipher implements PersonalFieldCipher {
  constructor(
    private readonly dataKey: Buffer,
    private readonly streamId: string,
  ) {}

  seal(field: string, plaintext: string): string {
    return SEALED_PREFIX + sealBytes(this.dataKey, Buffer.from(plaintext, 'utf8'), this.context(field)).toString('base64');
  }

  open(field: string, sealed: string): string {
    if (!sealed.startsWith(SEALED_PREFIX)) throw new Error(`${field} of ${this.streamId} is not a sealed personal field`);
    return openBytes(this.dataKey, Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64'), this.context(field)).toString('utf8');
  }

  private context(field: string): string {
    return `${this.streamId}:${field}`;
  }
}

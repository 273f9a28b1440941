import { CredentialsCipher } from '@app/platforms';
import { Global, Module } from '@nestjs/common';
import { credentialsCipherProvider } from './credentials-cipher.provider';

/** The cipher for secrets at rest, for every module of the API. */
@Global()
@Module({ providers: [credentialsCipherProvider], exports: [CredentialsCipher] })
export class SecretsModule {}

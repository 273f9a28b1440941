import { DataKeys, dataKeysProvider } from '@app/personal-data';
import { CredentialsCipher } from '@app/platforms';
import { Global, Module } from '@nestjs/common';
import { credentialsCipherProvider } from './credentials-cipher.provider';

/** The ciphers for secrets and personal data at rest, for every module of the API. */
@Global()
@Module({ providers: [credentialsCipherProvider, dataKeysProvider], exports: [CredentialsCipher, DataKeys] })
export class SecretsModule {}

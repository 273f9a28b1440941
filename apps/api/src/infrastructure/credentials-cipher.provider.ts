import { APP_CONFIG, AppConfig, DEVELOPMENT_CREDENTIALS_KEY, parseCredentialsKey } from '@app/config';
import { CredentialsCipher } from '@app/platforms';
import { Logger, Provider } from '@nestjs/common';

/** The AES-256-GCM cipher for stored idempotent responses (MCP credentials are sealed with each user's data key). */
export const credentialsCipherProvider: Provider = {
  provide: CredentialsCipher,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => {
    if (config.MCP_CREDENTIALS_KEY) return new CredentialsCipher(parseCredentialsKey(config.MCP_CREDENTIALS_KEY));
    new Logger('CredentialsCipher').warn('MCP_CREDENTIALS_KEY is not set: using the development-only key (refused in production)');
    return new CredentialsCipher(DEVELOPMENT_CREDENTIALS_KEY);
  },
};

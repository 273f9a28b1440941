import { Global, Module } from '@nestjs/common';
import { EndUserKeyGuard } from './end-user-key.guard';
import { KeyAuthenticator } from './key-authenticator';
import { PlatformKeyCache } from './platform-key-cache';
import { PlatformKeyGuard } from './platform-key.guard';

@Global()
@Module({
  providers: [KeyAuthenticator, PlatformKeyCache, PlatformKeyGuard, EndUserKeyGuard],
  exports: [KeyAuthenticator, PlatformKeyCache, PlatformKeyGuard, EndUserKeyGuard],
})
export class AuthModule {}

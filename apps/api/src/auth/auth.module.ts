import { Global, Module } from '@nestjs/common';
import { EndUserKeyGuard } from './end-user-key.guard';
import { KeyAuthenticator } from './key-authenticator';
import { PlatformKeyGuard } from './platform-key.guard';

@Global()
@Module({
  providers: [KeyAuthenticator, PlatformKeyGuard, EndUserKeyGuard],
  exports: [KeyAuthenticator, PlatformKeyGuard, EndUserKeyGuard],
})
export class AuthModule {}

import { ErrorEnvelopeFilter, StrictValidationPipe } from '@app/http';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from './auth/auth.module';
import { EndUsersModule } from './end-users/end-users.module';
import { DatabaseModule } from './infrastructure/database.module';
import { MeModule } from './me/me.module';
import { PlatformsModule } from './platforms/platforms.module';

@Module({
  imports: [CqrsModule.forRoot(), DatabaseModule, AuthModule, EndUsersModule, PlatformsModule, MeModule],
  providers: [
    { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
    { provide: APP_PIPE, useClass: StrictValidationPipe },
  ],
})
export class AppModule {}

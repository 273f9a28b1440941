import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetPlatformHandler } from './get-platform/get-platform.handler';
import { GetPlatformHttpController } from './get-platform/get-platform.http.controller';
import { UpdatePlatformHandler } from './update-platform/update-platform.handler';
import { UpdatePlatformHttpController } from './update-platform/update-platform.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [GetPlatformHttpController, UpdatePlatformHttpController],
  providers: [GetPlatformHandler, UpdatePlatformHandler],
})
export class PlatformsModule {}

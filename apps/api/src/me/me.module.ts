import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetMeHttpController } from './get-me/get-me.http.controller';

@Module({
  imports: [CqrsModule],
  controllers: [GetMeHttpController],
})
export class MeModule {}

import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CreateEndUserHandler } from './create-end-user/create-end-user.handler';
import { CreateEndUserHttpController } from './create-end-user/create-end-user.http.controller';
import { DeleteEndUserHandler } from './delete-end-user/delete-end-user.handler';
import { DeleteEndUserHttpController } from './delete-end-user/delete-end-user.http.controller';
import { GetEndUserHandler } from './get-end-user/get-end-user.handler';
import { GetEndUserHttpController } from './get-end-user/get-end-user.http.controller';
import { ListEndUserEventsHandler } from './list-end-user-events/list-end-user-events.handler';
import { ListEndUserEventsHttpController } from './list-end-user-events/list-end-user-events.http.controller';
import { ListEndUsersHandler } from './list-end-users/list-end-users.handler';
import { ListEndUsersHttpController } from './list-end-users/list-end-users.http.controller';
import './shared/end-user-errors';
import { EndUserRepository } from './shared/end-user-repository';
import { UpdateEndUserHandler } from './update-end-user/update-end-user.handler';
import { UpdateEndUserHttpController } from './update-end-user/update-end-user.http.controller';

@Module({
  imports: [CqrsModule],
  // `:endUserId` matches one path segment only, so `:endUserId/events` and `:endUserId` cannot
  // shadow each other; the more specific route is still registered first.
  controllers: [
    ListEndUsersHttpController,
    CreateEndUserHttpController,
    ListEndUserEventsHttpController,
    GetEndUserHttpController,
    UpdateEndUserHttpController,
    DeleteEndUserHttpController,
  ],
  providers: [
    EndUserRepository,
    CreateEndUserHandler,
    ListEndUsersHandler,
    GetEndUserHandler,
    ListEndUserEventsHandler,
    UpdateEndUserHandler,
    DeleteEndUserHandler,
  ],
})
export class EndUsersModule {}

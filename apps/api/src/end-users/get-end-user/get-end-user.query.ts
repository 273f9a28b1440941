import { Query } from '@nestjs/cqrs';
import { EndUserResponse } from '../shared/end-user.response';

export class GetEndUserQuery extends Query<EndUserResponse> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
  ) {
    super();
  }
}

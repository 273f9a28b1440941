import { Query } from '@nestjs/cqrs';
import { PlatformResponse } from '@app/platforms';

export class GetPlatformQuery extends Query<PlatformResponse> {
  constructor(readonly platformId: string) {
    super();
  }
}

import { ApiError } from '@app/http';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { KeyAuthenticator } from './key-authenticator';
import { AuthenticatedRequest } from './principal';

/** Self-service routes under /v1/me: an end-user key of an active user. */
@Injectable()
export class EndUserKeyGuard implements CanActivate {
  constructor(private readonly authenticator: KeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticator.authenticate(req.header('authorization'));
    if (principal.kind !== 'end_user') throw new ApiError('forbidden', 'This route needs an end-user key (sk-eu_...)');
    req.principal = principal;
    return true;
  }
}

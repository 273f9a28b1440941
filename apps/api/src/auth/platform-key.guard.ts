import { ApiError } from '@app/http';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { KeyAuthenticator } from './key-authenticator';
import { AuthenticatedRequest } from './principal';
import { requireUuid } from './uuid';

/** Management routes: a platform key, used only on its own platform's path. */
@Injectable()
export class PlatformKeyGuard implements CanActivate {
  constructor(private readonly authenticator: KeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticator.authenticate(req.header('authorization'));
    if (principal.kind !== 'platform') throw new ApiError('forbidden', 'This route needs a platform key (sk-plat_...)');
    const platformId = requireUuid(req.params.platformId, 'platformId');
    if (platformId !== principal.platformId) throw new ApiError('forbidden', 'This platform key does not belong to that platform');
    req.principal = principal;
    return true;
  }
}

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthenticatedRequest, EndUserPrincipal, PlatformPrincipal } from './principal';

/** The caller that the route's guard authenticated. */
export const CurrentPlatform = createParamDecorator(
  (_: unknown, context: ExecutionContext): PlatformPrincipal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal as PlatformPrincipal,
);

export const CurrentEndUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): EndUserPrincipal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal as EndUserPrincipal,
);

export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string | null => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().requestId ?? null;
});

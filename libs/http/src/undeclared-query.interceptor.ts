import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { ApiError } from './api-error';

/**
 * A route that declares no query parameters refuses any: a typo such as `?externalId=` must not be
 * silently ignored. Routes with a query DTO are checked field by field by the validation pipe.
 */
@Injectable()
export class UndeclaredQueryInterceptor implements NestInterceptor {
  private readonly declaresQuery = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const names = Object.keys(req.query ?? {});
    if (names.length > 0 && !this.handlerDeclaresQuery(context)) {
      throw new ApiError(
        'validation_error',
        names.map((name) => `${name} is not a known query parameter`).join('; '),
        names.map((field) => ({ field, issue: 'unknown_field' })),
      );
    }
    return next.handle();
  }

  private handlerDeclaresQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let declared = this.declaresQuery.get(handler);
    if (declared === undefined) {
      const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      declared = Object.keys(args).some((key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY);
      this.declaresQuery.set(handler, declared);
    }
    return declared;
  }
}

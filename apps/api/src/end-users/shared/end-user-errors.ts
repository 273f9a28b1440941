import { EndUserAlreadyExists, EndUserNotFound, EndUserWasDeleted } from '@app/end-users';
import { StreamVersionConflict } from '@app/event-store';
import { ApiError, registerErrorTranslator } from '@app/http';

/** How the end-user rules read over HTTP: a deleted or foreign user is simply not found. */
registerErrorTranslator((error) => {
  if (error instanceof EndUserNotFound || error instanceof EndUserWasDeleted) return ApiError.notFound('End user');
  if (error instanceof EndUserAlreadyExists) return new ApiError('conflict', 'End user already exists');
  if (error instanceof StreamVersionConflict) return new ApiError('conflict', 'The end user was changed concurrently; retry the request');
  return undefined;
});

import { toApiError } from './error-mapping';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('database failures become 503 service_unavailable', () => {
  it.each([
    ['the server shutting down', withCode('57P01', 'terminating connection due to administrator command')],
    ['a statement over statement_timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['the client deadline of a server that does not answer', new Error('Query read timeout')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
    ['a TypeORM-wrapped driver error', Object.assign(new Error('query failed'), { driverError: withCode('08006') })],
  ])('given %s, then 503', (_case, error) => {
    expect(toApiError(error)).toMatchObject({ code: 'service_unavailable', status: 503 });
  });

  it('given a constraint violation or a plain bug, then no mapping (the filter answers 500)', () => {
    expect(toApiError(withCode('23505', 'duplicate key value violates unique constraint'))).toBeNull();
    expect(toApiError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from '../support/api';
import { expectError, expectNoLeak, expectValidationError, sendRaw, uniqueId } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

describe('the error envelope', () => {
  const e2e = useE2eFixture();

  describe('request_id', () => {
    it('is a fresh id per failing request, equal to the X-Request-Id response header', async () => {
      const c = await e2e.client();
      const first = await c.get(randomUUID());
      const second = await c.get(randomUUID());
      expectError(first, 404, 'not_found');
      expectError(second, 404, 'not_found');
      expect(first.body.error.request_id).not.toBe(second.body.error.request_id);
    });

    it('echoes a sane X-Request-Id given by the caller, in the header and in the envelope', async () => {
      const c = await e2e.client();
      const requestId = `req-${randomUUID()}`;
      const res = await request(e2e.api.server).get(`${c.base}/end-users/${randomUUID()}`).set(bearer(c.platform.key)).set('X-Request-Id', requestId);
      expectError(res, 404, 'not_found');
      expect(res.body.error.request_id).toBe(requestId);
    });

    it('replaces an X-Request-Id that is not a sane token (no header injection or reflection)', async () => {
      const c = await e2e.client();
      const res = await request(e2e.api.server)
        .get(`${c.base}/end-users/${randomUUID()}`)
        .set(bearer(c.platform.key))
        .set('X-Request-Id', '<script>alert(1)</script>');
      expectError(res, 404, 'not_found');
      expect(res.body.error.request_id).not.toContain('<script>');
    });

    it('is present on errors raised before routing (unauthenticated, unknown route, body parsing)', async () => {
      const c = await e2e.client();
      expectError(await request(e2e.api.server).get('/v1/me'), 401, 'unauthorized');
      expectError(await request(e2e.api.server).get('/v1/does-not-exist'), 404, 'not_found');
      expectError(await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, '{"external_id":'), 400, 'validation_error');
    });
  });

  describe('unknown routes → 404 not_found', () => {
    it.each([
      ['GET', '/'],
      ['GET', '/v1'],
      ['GET', '/v1/does-not-exist'],
      ['GET', '/v2/me'],
      ['POST', '/v1/me'],
      ['DELETE', '/v1/me'],
      ['GET', '/v1/platforms'],
      ['POST', '/v1/platforms'],
    ])('%s %s', async (method, path) => {
      const c = await e2e.client();
      const res = await request(e2e.api.server)[method.toLowerCase() as 'get' | 'post' | 'delete'](path).set(bearer(c.platform.key));
      expectError(res, 404, 'not_found');
    });

    it('an unsupported method or a deeper path under a real resource is 404 too', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectError(
        await request(e2e.api.server).put(`${c.base}/end-users/${user.id}`).set(bearer(c.platform.key)).send({ display_name: 'x' }),
        404,
        'not_found',
      );
      expectError(await request(e2e.api.server).delete(`${c.base}/end-users`).set(bearer(c.platform.key)), 404, 'not_found');
      expectError(await request(e2e.api.server).post(`${c.base}/end-users/${user.id}`).set(bearer(c.platform.key)).send({}), 404, 'not_found');
      expectError(await request(e2e.api.server).get(`${c.base}/end-users/${user.id}/nothing-here`).set(bearer(c.platform.key)), 404, 'not_found');
      expectError(await request(e2e.api.server).delete(c.base).set(bearer(c.platform.key)), 404, 'not_found');
      // The user was not touched by any of these.
      expect((await c.get(user.id)).body.display_name).toBeNull();
    });
  });

  describe('malformed JSON → 400 validation_error', () => {
    it.each([
      '{"external_id":',
      '{external_id: "x"}',
      "{'external_id':'x'}",
      '{"external_id":"x",}',
      '{"a":1}{"b":2}',
      '\u00ef\u00bb\u00bf{',
      'undefined',
      'NaN',
    ])('POST body %p', async (body) => {
      const c = await e2e.client();
      expectValidationError(await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, body));
      expect((await c.list()).body.total).toBe(0);
    });

    it('on PATCH of an end user and of the platform', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectValidationError(await sendRaw(e2e.api.server, 'patch', `${c.base}/end-users/${user.id}`, c.platform.key, '{"display_name": "x"'));
      expectValidationError(await sendRaw(e2e.api.server, 'patch', c.base, c.platform.key, '{"name": }'));
    });
  });

  describe('array or scalar JSON bodies → 400', () => {
    it.each(['[]', '[{"external_id":"x"}]', '"external_id"', '42', 'true', 'null'])('POST body %s', async (body) => {
      const c = await e2e.client();
      expectValidationError(await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, body));
      expect((await c.list()).body.total).toBe(0);
    });

    it.each(['[]', '[{"display_name":"x"}]', '"x"', '1', 'false', 'null'])('PATCH end-user body %s', async (body) => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectValidationError(await sendRaw(e2e.api.server, 'patch', `${c.base}/end-users/${user.id}`, c.platform.key, body));
    });

    it.each(['[]', '"x"', '1', 'null'])('PATCH platform body %s', async (body) => {
      const c = await e2e.client();
      expectValidationError(await sendRaw(e2e.api.server, 'patch', c.base, c.platform.key, body));
    });
  });

  describe('non-JSON Content-Type → 415 unsupported_media_type', () => {
    it.each([
      ['text/plain', '{"external_id":"x"}'],
      ['application/x-www-form-urlencoded', 'external_id=x'],
      ['multipart/form-data; boundary=abc', '--abc\r\nContent-Disposition: form-data; name="external_id"\r\n\r\nx\r\n--abc--\r\n'],
      ['application/xml', '<external_id>x</external_id>'],
      ['application/octet-stream', '{"external_id":"x"}'],
    ])('POST with %s', async (contentType, body) => {
      const c = await e2e.client();
      expectError(await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, body, contentType), 415, 'unsupported_media_type');
      expect((await c.list()).body.total).toBe(0);
    });

    it('PATCH of an end user and of the platform with text/plain', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectError(
        await sendRaw(e2e.api.server, 'patch', `${c.base}/end-users/${user.id}`, c.platform.key, '{"display_name":"x"}', 'text/plain'),
        415,
        'unsupported_media_type',
      );
      expectError(await sendRaw(e2e.api.server, 'patch', c.base, c.platform.key, '{"name":"x"}', 'text/plain'), 415, 'unsupported_media_type');
      expect((await c.get(user.id)).body.display_name).toBeNull();
    });

    it('a JSON charset other than UTF-8 is refused with 415', async () => {
      const c = await e2e.client();
      expectError(
        await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, '{"external_id":"x"}', 'application/json; charset=latin1'),
        415,
        'unsupported_media_type',
      );
    });

    it('accepts application/json with charset=utf-8', async () => {
      const c = await e2e.client();
      const res = await sendRaw(
        e2e.api.server,
        'post',
        `${c.base}/end-users`,
        c.platform.key,
        JSON.stringify({ external_id: uniqueId() }),
        'application/json; charset=utf-8',
      );
      expect(res.status).toBe(201);
    });
  });

  describe('text PostgreSQL cannot store → 400, never 500', () => {
    it.each([
      ['external_id', { external_id: 'a\u0000b' }, 'external_id'],
      ['display_name', { display_name: 'Ja\u0000ne' }, 'display_name'],
      ['a metadata value', { metadata: { note: 'x\u0000' } }, 'metadata.note'],
      ['a nested metadata value', { metadata: { a: { b: ['ok', 'bad\u0000'] } } }, 'metadata.a.b.1'],
      ['a metadata key', { metadata: { 'k\u0000': 1 } }, undefined],
      ['an unpaired surrogate in external_id', { external_id: 'x\ud800' }, 'external_id'],
      ['an unpaired surrogate in metadata', { metadata: { s: '\udc00' } }, 'metadata.s'],
    ])('NUL or invalid text in %s on POST', async (_, extra, field) => {
      const c = await e2e.client();
      const res = await c.create({ external_id: uniqueId(), ...extra });
      expectValidationError(res, field);
      expect((await c.list()).body.total).toBe(0);
    });

    it('NUL in display_name or metadata on PATCH', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectValidationError(await c.patch(user.id, { display_name: '\u0000' }), 'display_name');
      expectValidationError(await c.patch(user.id, { metadata: { deep: { x: '\u0000' } } }), 'metadata.deep.x');
    });

    it('NUL written as a JSON escape in the raw body', async () => {
      const c = await e2e.client();
      expectValidationError(await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, '{"external_id":"nul\\u0000id"}'), 'external_id');
      expectValidationError(
        await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, '{"external_id":"ok","metadata":{"a":"\\u0000"}}'),
        'metadata.a',
      );
    });
  });

  describe('deeply nested metadata → 4xx, never 500', () => {
    const nest = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = { d: value };
      return value;
    };
    /** Built as text: JSON.stringify of very deep values overflows the test's own stack. */
    const nestText = (levels: number) => `${'{"d":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`;
    const nestArrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

    it.each([100, 1000, 5000])('%i levels of objects on POST and PATCH', async (levels) => {
      const c = await e2e.client();
      const post = await sendRaw(
        e2e.api.server,
        'post',
        `${c.base}/end-users`,
        c.platform.key,
        `{"external_id":"${uniqueId()}","metadata":${nestText(levels)}}`,
      );
      expect(post.status).toBeGreaterThanOrEqual(400);
      expect(post.status).toBeLessThan(500);
      expectError(post, post.status, post.body.error.code);
      expect((await c.list()).body.total).toBe(0);

      const user = await c.createOk();
      const patch = await sendRaw(e2e.api.server, 'patch', `${c.base}/end-users/${user.id}`, c.platform.key, `{"metadata":${nestText(levels)}}`);
      expect(patch.status).toBeGreaterThanOrEqual(400);
      expect(patch.status).toBeLessThan(500);
      expectError(patch, patch.status, patch.body.error.code);
    });

    it('deeply nested arrays inside metadata', async () => {
      const c = await e2e.client();
      const res = await sendRaw(
        e2e.api.server,
        'post',
        `${c.base}/end-users`,
        c.platform.key,
        `{"external_id":"${uniqueId()}","metadata":{"a":${nestArrays(2000)}}}`,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectError(res, res.status, res.body.error.code);
    });

    it('a deeply nested unknown field', async () => {
      const c = await e2e.client();
      const res = await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, `{"external_id":"${uniqueId()}","extra":${nestText(500)}}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectError(res, res.status, res.body.error.code);
    });

    it('moderate nesting (10 levels) is ordinary metadata and is stored', async () => {
      const c = await e2e.client();
      const res = await c.create({ external_id: uniqueId(), metadata: nest(10) });
      expect(res.status).toBe(201);
      expect(res.body.metadata).toEqual(nest(10));
    });
  });

  describe('odd but harmless input', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
      'a body field named %s (an Object.prototype member) is an unknown field: 400 on POST and PATCH',
      async (field) => {
        const c = await e2e.client();
        const externalId = uniqueId();
        const post = await sendRaw(
          e2e.api.server,
          'post',
          `${c.base}/end-users`,
          c.platform.key,
          `{"external_id":"${externalId}","${field}":{"is_active":false}}`,
        );
        expectValidationError(post, field);
        expect((await c.list()).body.total).toBe(0);
        const user = await c.createOk();
        const patch = await sendRaw(e2e.api.server, 'patch', `${c.base}/end-users/${user.id}`, c.platform.key, `{"${field}":{"display_name":"x"}}`);
        expectValidationError(patch, field);
        expect(({} as Record<string, unknown>).is_active).toBeUndefined();
      },
    );

    it('__proto__ inside metadata is kept as plain data', async () => {
      const c = await e2e.client();
      const res = await sendRaw(
        e2e.api.server,
        'post',
        `${c.base}/end-users`,
        c.platform.key,
        `{"external_id":"${uniqueId()}","metadata":{"__proto__":{"polluted":true},"x":1}}`,
      );
      expect(res.status).toBeLessThan(500);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      if (res.status === 201) expect(res.body.metadata.x).toBe(1);
    });

    it('a badly percent-encoded path is a 400, not a 500', async () => {
      const c = await e2e.client();
      const res = await request(e2e.api.server).get(`${c.base}/end-users/%E0%A4%A`).set(bearer(c.platform.key));
      expect(res.status).toBe(400);
      expectError(res, 400, 'validation_error');
    });

    it('a very long path id is a 400, not a 500', async () => {
      const c = await e2e.client();
      expectValidationError(await c.get('a'.repeat(5000)), 'endUserId');
    });

    it('SQL-looking input is stored and returned verbatim', async () => {
      const c = await e2e.client();
      const externalId = `x'); DROP TABLE end_users; -- ${uniqueId()}`;
      const res = await c.create({ external_id: externalId, display_name: "Robert'); --", metadata: { q: "' OR 1=1 --" } });
      expect(res.status).toBe(201);
      expect((await c.list({ external_id: externalId })).body.data[0].display_name).toBe("Robert'); --");
    });

    it('a successful response carries no internals either', async () => {
      const c = await e2e.client();
      const res = await c.list();
      expect(res.status).toBe(200);
      expectNoLeak(res);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });
});

import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { expectError, expectNoLeak, sendRaw, uniqueId } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

const KIB = 1024;

/** A JSON object body of exactly `bytes` bytes: valid content padded with insignificant whitespace. */
function paddedBody(content: Record<string, unknown>, bytes: number): string {
  const json = JSON.stringify(content);
  const body = `${json.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(json))}}`;
  if (Buffer.byteLength(body) !== bytes) throw new Error('padding went wrong');
  return body;
}

/** Metadata whose compact JSON serialization is exactly `bytes` bytes long. */
function metadataOfSize(bytes: number): Record<string, string> {
  const overhead = Buffer.byteLength(JSON.stringify({ blob: '' }));
  const metadata = { blob: 'm'.repeat(bytes - overhead) };
  if (Buffer.byteLength(JSON.stringify(metadata)) !== bytes) throw new Error('sizing went wrong');
  return metadata;
}

describe('size limits', () => {
  const e2e = useE2eFixture();

  describe('request bodies over 64 KiB → 413 payload_too_large', () => {
    it('accepts a body of exactly 64 KiB and refuses one byte more', async () => {
      const c = await e2e.client();
      const ok = await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, paddedBody({ external_id: uniqueId() }, 64 * KIB));
      expect(ok.status).toBe(201);
      const tooBig = await sendRaw(e2e.api.server, 'post', `${c.base}/end-users`, c.platform.key, paddedBody({ external_id: uniqueId() }, 64 * KIB + 1));
      expectError(tooBig, 413, 'payload_too_large');
      expect((await c.list()).body.total).toBe(1);
    });

    it('on POST, PATCH end user and PATCH platform with a large string field', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      const huge = 'x'.repeat(70 * KIB);
      expectError(await c.create({ external_id: uniqueId(), display_name: huge }), 413, 'payload_too_large');
      expectError(await c.patch(user.id, { display_name: huge }), 413, 'payload_too_large');
      expectError(await c.patchPlatform({ name: huge }), 413, 'payload_too_large');
      expectError(await c.create({ external_id: uniqueId(), metadata: { blob: huge } }), 413, 'payload_too_large');
      expect((await c.get(user.id)).body.display_name).toBeNull();
    });

    it('a megabyte body is refused the same way', async () => {
      const c = await e2e.client();
      const res = await sendRaw(
        e2e.api.server,
        'post',
        `${c.base}/end-users`,
        c.platform.key,
        JSON.stringify({ external_id: uniqueId(), metadata: { blob: 'y'.repeat(1024 * KIB) } }),
      );
      expectError(res, 413, 'payload_too_large');
    });

    it('a chunked body (no Content-Length) over 64 KiB is refused with 413 too', async () => {
      const c = await e2e.client();
      const { port } = e2e.api.server.address() as AddressInfo;
      const result = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `${c.base}/end-users`,
            headers: { Authorization: `Bearer ${c.platform.key}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        req.on('error', reject);
        req.write(`{"external_id":"${uniqueId()}","metadata":{"blob":"`);
        for (let i = 0; i < 80; i++) req.write('z'.repeat(KIB));
        req.end('"}}');
      });
      expect(result.status).toBe(413);
      const body = JSON.parse(result.text);
      expect(body.error.code).toBe('payload_too_large');
      expect(body.error.request_id).toBe(result.headers['x-request-id']);
      expect((await c.list()).body.total).toBe(0);
    });
  });

  describe('metadata over 16 KiB serialized → 413 payload_too_large', () => {
    it('accepts metadata of exactly 16 KiB and refuses one byte more, on POST', async () => {
      const c = await e2e.client();
      const atLimit = await c.create({ external_id: uniqueId(), metadata: metadataOfSize(16 * KIB) });
      expect(atLimit.status).toBe(201);
      expect(atLimit.body.metadata).toEqual(metadataOfSize(16 * KIB));
      const over = await c.create({ external_id: uniqueId(), metadata: metadataOfSize(16 * KIB + 1) });
      expectError(over, 413, 'payload_too_large');
      expectNoLeak(over);
      expect((await c.list()).body.total).toBe(1);
    });

    it('accepts metadata of exactly 16 KiB and refuses one byte more, on PATCH, leaving the stored metadata alone', async () => {
      const c = await e2e.client();
      const user = await c.createOk(uniqueId(), { metadata: { keep: true } });
      expectError(await c.patch(user.id, { metadata: metadataOfSize(16 * KIB + 1) }), 413, 'payload_too_large');
      expect((await c.get(user.id)).body.metadata).toEqual({ keep: true });
      const atLimit = await c.patch(user.id, { metadata: metadataOfSize(16 * KIB) });
      expect(atLimit.status).toBe(200);
      expect(atLimit.body.metadata).toEqual(metadataOfSize(16 * KIB));
    });

    it('counts bytes, not UTF-16 units: 5,000 four-byte emoji (20,000 bytes) are over the limit', async () => {
      const c = await e2e.client();
      const res = await c.create({ external_id: uniqueId(), metadata: { emoji: '😀'.repeat(5000) } });
      expectError(res, 413, 'payload_too_large');
    });

    it('many small keys adding up to more than 16 KiB are over the limit too', async () => {
      const c = await e2e.client();
      const metadata = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'vvvvv']));
      expect(Buffer.byteLength(JSON.stringify(metadata))).toBeGreaterThan(16 * KIB);
      expectError(await c.create({ external_id: uniqueId(), metadata }), 413, 'payload_too_large');
    });
  });
});

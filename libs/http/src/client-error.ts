import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorEnvelope } from './api-error';

/**
 * Requests that Node's HTTP parser refuses (oversized headers, conflicting framing) never reach
 * Express; they are answered here in the same envelope, then the connection is closed.
 */
export function answerUnparseableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const requestId = randomUUID();
    const envelope: ErrorEnvelope = {
      error: {
        code: tooLarge ? 'payload_too_large' : 'validation_error',
        message: tooLarge ? 'Request headers (or the URL) are too large' : 'The request is not valid HTTP',
        details: [],
        request_id: requestId,
      },
    };
    const body = JSON.stringify(envelope);
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

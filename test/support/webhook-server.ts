import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the server does with the next requests: 200, 500, no response, a 200
 * sent after SLOW_MS ('slow'), or a 200 whose headers and first body bytes
 * are sent at once and whose body ends after SLOW_MS ('slow-body').
 */
export type WebhookBehaviour = 'ok' | 'fail' | 'hang' | 'slow' | 'slow-body';

/** Delay of the 'slow' and 'slow-body' behaviours. */
export const SLOW_MS = 3_000;

export interface ReceivedRequest {
  path: string;
  body: unknown;
  headers: IncomingMessage['headers'];
  /** Set when the client closed the connection before a response. */
  aborted: boolean;
}

/**
 * An HTTP server on 127.0.0.1 that records every request and responds as
 * the path's {@link WebhookBehaviour} specifies.
 */
export class WebhookServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly behaviours = new Map<string, WebhookBehaviour>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookServer> {
    const server = createServer();
    const webhook = new WebhookServer(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: ReceivedRequest = {
          path: request.url ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
          headers: request.headers,
          aborted: false,
        };
        webhook.requests.push(received);
        response.on('close', () => {
          if (!response.writableFinished) received.aborted = true;
        });
        const behaviour = webhook.behaviours.get(received.path) ?? 'ok';
        if (behaviour === 'hang') return;
        if (behaviour === 'slow') {
          setTimeout(() => response.end('slow'), SLOW_MS).unref();
          return;
        }
        if (behaviour === 'slow-body') {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('slow ');
          setTimeout(() => response.end('body'), SLOW_MS).unref();
          return;
        }
        response.statusCode = behaviour === 'ok' ? 200 : 500;
        response.end(behaviour);
      });
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );

    return webhook;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string, behaviour: WebhookBehaviour): void {
    this.behaviours.set(path, behaviour);
  }

  received(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsService } from './metrics.service';

/**
 * A plain HTTP listener with only GET /metrics, for the worker process,
 * which has no API port. The API process serves /metrics through Nest.
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(private readonly metrics: MetricsService) {}

  /** Starts listening and returns the port (useful when `port` is 0). */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const bound = (server.address() as AddressInfo).port;
    this.logger.log(`Worker metrics at http://${host}:${bound}/metrics`);

    return bound;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;

    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log('Worker metrics listener stopped');
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('Only GET /metrics is served here\n');
      return;
    }

    try {
      const body = await this.metrics.render();
      response.writeHead(200, { 'Content-Type': this.metrics.contentType });
      response.end(body);
    } catch (error) {
      this.logger.error(
        `Rendering metrics failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('Metrics unavailable\n');
    }
  }
}

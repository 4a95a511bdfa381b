import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import type { AppModuleOptions } from '../../src/app.module';
import { configureApp, logLevels } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';

/**
 * A Chronicle application started in this process, configured as the API
 * process configures itself, listening on 127.0.0.1 on a free port.
 */
export class BenchApp {
  private constructor(
    readonly app: INestApplication,
    /** Base URL without a trailing slash, such as http://127.0.0.1:41234. */
    readonly url: string,
  ) {}

  /**
   * Starts the application with the modules `options` selects.
   *
   * The application module is imported here rather than at the top of the
   * file because the config module validates process.env when it is first
   * imported, and the bench sets DATABASE_URL and REDIS_PREFIX at run time.
   */
  static async start(options: AppModuleOptions): Promise<BenchApp> {
    const environment = validateEnvironment(process.env);
    const { AppModule } = await import('../../src/app.module');
    // With abortOnError off, a start-up failure is thrown to the bench, which
    // then removes its database, instead of ending the process.
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.register(options),
      {
        bodyParser: false,
        abortOnError: false,
        logger: logLevels(environment.LOG_LEVEL),
      },
    );
    configureApp(app, environment);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as AddressInfo;

    return new BenchApp(app, `http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/** An HTTP response whose body was read as JSON when it had one. */
export interface JsonResponse {
  status: number;
  body: any;
}

/** Sends one request with the bench's bearer token and reads the JSON body. */
export async function requestJson(
  url: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined
        ? {}
        : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();

  return { status: response.status, body: text ? JSON.parse(text) : null };
}

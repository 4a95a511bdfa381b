import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { Pool } from 'pg';
import request from 'supertest';
import { AppModule, AppModuleOptions } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import type { Role } from '../../src/auth/role';
import { validateEnvironment } from '../../src/config/environment';
import { createAppLogger } from '../../src/logging/app-logger';

export interface TestUser {
  id: string;
  name: string;
  role: Role;
  token: string;
}

/**
 * A Chronicle application on this run's database, with helpers to call it
 * and to query PostgreSQL directly.
 */
export class TestApp {
  private constructor(
    readonly app: INestApplication,
    readonly pool: Pool,
    readonly adminToken: string,
  ) {}

  /**
   * Starts the app with `environment` merged into process.env; `override`
   * may replace providers (`builder.overrideProvider(...)`) before compiling.
   */
  static async start(
    options: Partial<AppModuleOptions> = {},
    environment: Record<string, string> = {},
    override: (builder: TestingModuleBuilder) => TestingModuleBuilder = (
      builder,
    ) => builder,
  ): Promise<TestApp> {
    Object.assign(process.env, environment);
    const validated = validateEnvironment(process.env);
    const moduleRef = await override(
      Test.createTestingModule({
        imports: [AppModule.register({ api: true, worker: false, ...options })],
      }),
    ).compile();
    const app = moduleRef.createNestApplication({ bodyParser: false });
    app.useLogger(createAppLogger(validated));
    configureApp(app, validated);
    await app.init();
    const pool = new Pool({ connectionString: validated.DATABASE_URL, max: 4 });

    return new TestApp(app, pool, validated.ADMIN_TOKEN ?? '');
  }

  /** A supertest agent for the app's HTTP server. */
  http() {
    return request(this.app.getHttpServer());
  }

  /** Creates a user with the given role through the API and returns it. */
  async createUser(role: Role, name = uniqueName(role)): Promise<TestUser> {
    const response = await this.http()
      .post('/users')
      .set('Authorization', `Bearer ${this.adminToken}`)
      .send({ name, role })
      .expect(201);

    return { id: response.body.id, name, role, token: response.body.token };
  }

  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params);

    return result.rows as T[];
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.app.close();
  }
}

let counter = 0;

/** Returns a name no other test in this run uses. */
export function uniqueName(prefix: string): string {
  counter += 1;

  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function bearer(token: string): [string, string] {
  return ['Authorization', `Bearer ${token}`];
}

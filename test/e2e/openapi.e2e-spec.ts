import { bearer, TestApp, uniqueName } from '../support/test-app';

/** Operations the document must describe, one `METHOD /path` per line. */
const DOCUMENTED_OPERATIONS = [
  'POST /users',
  'GET /users',
  'GET /users/me',
  'GET /users/{id}',
  'GET /users/{id}/tokens',
  'POST /users/{id}/tokens',
  'DELETE /tokens/{id}',
  'POST /authors',
  'GET /authors',
  'GET /authors/{id}',
  'PATCH /authors/{id}',
  'DELETE /authors/{id}',
  'POST /books',
  'GET /books',
  'PATCH /books',
  'GET /books/{id}',
  'PATCH /books/{id}',
  'DELETE /books/{id}',
  'GET /health',
  'GET /metrics',
  'GET /history/{type}/deleted',
  'GET /history/{type}/{id}',
  'GET /history/{type}/{id}/versions/{version}',
  'GET /history/{type}/{id}/diff',
  'GET /history/{type}/{id}/as-of',
  'POST /history/{type}/{id}/revert',
  'POST /history/{type}/{id}/recover',
  'GET /revisions',
  'GET /revisions/{id}',
  'POST /revisions/{id}/revert',
  'POST /audit/seal',
  'GET /audit/verify',
  'POST /audit/prune',
  'GET /job-types',
  'POST /jobs',
  'POST /jobs/bulk',
  'GET /jobs',
  'GET /jobs/{id}',
  'GET /jobs/{id}/history',
  'GET /jobs/{id}/logs',
  'POST /jobs/{id}/cancel',
  'POST /jobs/{id}/retry',
  'GET /queues',
  'POST /schedules',
  'GET /schedules',
  'GET /schedules/{id}',
  'PATCH /schedules/{id}',
  'DELETE /schedules/{id}',
  'POST /schedules/{id}/pause',
  'POST /schedules/{id}/resume',
  'GET /schedules/{id}/next',
  'GET /schedules/{id}/slots',
  'GET /schedules/{id}/runs',
];

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema: unknown }> }
  >;
  'x-required-role'?: string;
}

describe('OpenAPI document', () => {
  let app: TestApp;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown> };
  };

  beforeAll(async () => {
    app = await TestApp.start();
    const response = await app.http().get('/docs-json').expect(200);
    document = response.body;
  });

  afterAll(async () => {
    await app.close();
  });

  function operation(line: string): Operation | undefined {
    const [method, path] = line.split(' ');

    return document.paths[path]?.[method.toLowerCase()];
  }

  it.each(DOCUMENTED_OPERATIONS)('describes %s', (line) => {
    expect(operation(line)).toBeDefined();
  });

  it.each(DOCUMENTED_OPERATIONS)('gives %s a summary', (line) => {
    expect(operation(line)!.summary).toMatch(/\S/);
  });

  it.each(DOCUMENTED_OPERATIONS)('gives %s a success response', (line) => {
    const success = Object.entries(operation(line)!.responses).filter(
      ([status]) => status.startsWith('2'),
    );

    expect(success.length).toBeGreaterThan(0);
    for (const [status, response] of success) {
      if (status === '204') continue;
      expect(Object.values(response.content ?? {})[0]?.schema).toBeDefined();
    }
  });

  it('lists every operation the document serves', () => {
    const served = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(served.sort()).toEqual([...DOCUMENTED_OPERATIONS].sort());
  });

  it.each([
    ['POST /history/{type}/{id}/revert', ['409', '422']],
    ['POST /history/{type}/{id}/recover', ['409', '422']],
    ['POST /revisions/{id}/revert', ['409', '422']],
    ['POST /jobs', ['409', '413']],
    ['POST /jobs/bulk', ['409', '413']],
    ['POST /jobs/{id}/cancel', ['409']],
    ['POST /jobs/{id}/retry', ['409']],
    ['POST /schedules', ['409']],
    ['PATCH /schedules/{id}', ['409']],
    ['POST /schedules/{id}/resume', ['409']],
  ])('documents the route errors of %s', (line, statuses) => {
    const responses = operation(line)!.responses;

    for (const status of statuses) {
      expect(responses[status]?.content?.['application/json']).toEqual({
        schema: { $ref: '#/components/schemas/ErrorResponseDto' },
      });
    }
  });

  it('documents both outcomes of a job submission', () => {
    const submit = operation('POST /jobs')!;

    expect(submit.responses['202']?.content?.['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/JobRunResponseDto' },
    });
    expect(submit.responses['200']).toBeDefined();
    expect(submit.description).toContain('**operator** role');
  });

  it('describes the response classes of history, jobs and schedules', () => {
    const schemas = (
      document.components as unknown as {
        schemas: Record<string, { properties: Record<string, unknown> }>;
      }
    ).schemas;

    expect(Object.keys(schemas.VersionResponseDto.properties)).toEqual(
      expect.arrayContaining(['version', 'revisionId', 'action', 'changes']),
    );
    expect(schemas.JobRunResponseDto.properties.status).toMatchObject({
      enum: expect.arrayContaining(['queued', 'cancelled']),
    });
    expect(schemas.ScheduleResponseDto.properties.nextRunAt).toMatchObject({
      format: 'date-time',
      nullable: true,
    });
    expect(schemas.ScheduleUpdateDto.properties.cron).toBeDefined();
  });

  /** Checks that a real response has exactly the fields its schema lists. */
  function expectFieldsOf(schemaName: string, body: Record<string, unknown>) {
    const schema = (
      document.components as unknown as {
        schemas: Record<
          string,
          { properties: Record<string, unknown>; required?: string[] }
        >;
      }
    ).schemas[schemaName];
    const documented = Object.keys(schema.properties);

    expect(
      Object.keys(body).filter((key) => !documented.includes(key)),
    ).toEqual([]);
    expect((schema.required ?? []).filter((key) => !(key in body))).toEqual([]);
  }

  it('documents the fields that history responses have', async () => {
    const editor = bearer((await app.createUser('editor')).token);
    const author = await app
      .http()
      .post('/authors')
      .set(...editor)
      .send({ name: uniqueName('author') })
      .expect(201);
    const id = author.body.id as string;
    await app
      .http()
      .patch(`/authors/${id}`)
      .set(...editor)
      .send({ name: uniqueName('renamed') })
      .expect(200);

    const versions = await app
      .http()
      .get(`/history/authors/${id}`)
      .set(...editor)
      .expect(200);
    const detail = await app
      .http()
      .get(`/history/authors/${id}/versions/1`)
      .set(...editor)
      .expect(200);
    const revision = await app
      .http()
      .get(`/revisions/${versions.body.items[0].revisionId}`)
      .set(...editor)
      .expect(200);

    expectFieldsOf('VersionResponseDto', versions.body.items[0]);
    expectFieldsOf('VersionDetailResponseDto', detail.body);
    expectFieldsOf('RevisionResponseDto', revision.body);
    expectFieldsOf('RevisionVersionDto', revision.body.versions[0]);
  });

  it('documents the fields that job and schedule responses have', async () => {
    const operator = bearer((await app.createUser('operator')).token);
    const submitted = await app
      .http()
      .post('/jobs')
      .set(...operator)
      .send({ type: 'system.noop', payload: {}, delayMs: 3_600_000 })
      .expect(202);
    const job = await app
      .http()
      .get(`/jobs/${submitted.body.id}`)
      .set(...operator)
      .expect(200);
    const schedule = await app
      .http()
      .post('/schedules')
      .set(...operator)
      .send({
        name: uniqueName('schedule'),
        type: 'system.noop',
        cron: '0 3 * * *',
      })
      .expect(201);
    const queues = await app
      .http()
      .get('/queues')
      .set(...operator)
      .expect(200);

    expectFieldsOf('JobRunResponseDto', submitted.body);
    expectFieldsOf('JobRunResponseDto', job.body);
    expectFieldsOf('ScheduleResponseDto', schedule.body);
    expectFieldsOf('QueueStatusDto', queues.body.items[0]);
  });

  it('declares the bearer scheme', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('states the role of an operation and its auth errors', () => {
    const create = operation('POST /books')!;

    expect(create['x-required-role']).toBe('editor');
    expect(create.description).toContain('**editor** role');
    expect(create.security).toEqual([{ bearer: [] }]);
    for (const status of ['400', '401', '403', '413', '429', '503']) {
      expect(create.responses[status]?.content?.['application/json']).toEqual({
        schema: { $ref: '#/components/schemas/ErrorResponseDto' },
      });
    }
  });

  it('documents 415 on routes that may take a body', () => {
    for (const line of DOCUMENTED_OPERATIONS) {
      const [method] = line.split(' ');
      const unsupported = operation(line)!.responses['415'];

      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        expect(unsupported?.content?.['application/json']).toEqual({
          schema: { $ref: '#/components/schemas/ErrorResponseDto' },
        });
      } else {
        expect(unsupported).toBeUndefined();
      }
    }
  });

  it('adds role and errors to undecorated routes', () => {
    const revert = operation('POST /revisions/{id}/revert')!;

    expect(revert['x-required-role']).toBe('editor');
    for (const status of ['400', '401', '403', '404', '413', '429', '503']) {
      expect(revert.responses[status]).toBeDefined();
    }
  });

  it('documents 403 only above the viewer role', () => {
    expect(operation('GET /books')!.responses['403']).toBeUndefined();
    expect(operation('GET /books')!.description).toContain('**viewer** role');
    expect(operation('GET /users')!.responses['403']).toBeDefined();
  });

  it.each([
    'GET /history/{type}/deleted',
    'GET /history/{type}/{id}',
    'GET /history/{type}/{id}/versions/{version}',
    'GET /history/{type}/{id}/diff',
    'GET /history/{type}/{id}/as-of',
    'GET /revisions',
  ])('documents the admin-only types on %s', (line) => {
    const read = operation(line)!;
    const forbidden = read.responses['403'];

    expect(read['x-required-role']).toBe('viewer');
    expect(forbidden?.content?.['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/ErrorResponseDto' },
    });
    expect(forbidden?.description).toContain(
      'The history of users and api-tokens needs the admin role.',
    );
  });

  it('documents the versions a revision leaves out', () => {
    for (const line of ['GET /revisions', 'GET /revisions/{id}']) {
      expect(operation(line)!.description).toContain(
        'The history of users and api-tokens needs the admin role.',
      );
    }
  });

  it('documents 404 on paths with an id and 409 where declared', () => {
    expect(operation('GET /books/{id}')!.responses['404']).toBeDefined();
    expect(operation('POST /users')!.responses['409']).toBeDefined();
    expect(operation('GET /books')!.responses['404']).toBeUndefined();
  });

  it('marks public operations as needing no token', () => {
    const health = operation('GET /health')!;

    expect(health.security).toEqual([]);
    expect(health.responses['401']).toBeUndefined();
  });

  it('describes request bodies through the DTO classes', async () => {
    const response = await app.http().get('/docs-json').expect(200);
    const schemas = response.body.components.schemas;

    expect(schemas.BookCreateDto.required).toEqual(
      expect.arrayContaining(['title', 'authorId']),
    );
    expect(schemas.BookUpdateDto.required ?? []).toEqual([]);
    expect(schemas.BookUpdateDto.properties.price.pattern).toBeDefined();
  });

  it('serves the Swagger UI at /docs', async () => {
    const response = await app.http().get('/docs').expect(200);

    expect(response.text).toContain('swagger');
  });
});

import { TestApp } from '../support/test-app';

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
  'POST /schedules',
  'GET /schedules',
  'GET /schedules/{id}',
  'PATCH /schedules/{id}',
  'DELETE /schedules/{id}',
  'POST /schedules/{id}/pause',
  'POST /schedules/{id}/resume',
  'GET /schedules/{id}/next',
  'GET /schedules/{id}/slots',
];

interface Operation {
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
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

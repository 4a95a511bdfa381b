import { INestApplication, Logger } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME, describeOperations } from './describe-operations';
import { PageEnvelopeDto } from './api-responses.decorators';
import { ErrorResponseDto } from './error-response.dto';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** Builds the OpenAPI document of every controller the app serves. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Chronicle')
    .setDescription(
      'Auditing and job-history service: versioned history of every change ' +
        'and every job run. Authenticate with `Authorization: Bearer <token>`; ' +
        'roles are viewer < operator < editor < admin. Errors have the shape ' +
        '`{statusCode, error, message[], requestId}`.',
    )
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API token' },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto, PageEnvelopeDto],
  });

  return describeOperations(document);
}

/** Serves the Swagger UI at /docs and the JSON document at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(
    DOCS_PATH,
    app,
    () => (document ??= createOpenApiDocument(app)),
    {
      jsonDocumentUrl: DOCS_JSON_PATH,
      yamlDocumentUrl: `${DOCS_PATH}-yaml`,
      customSiteTitle: 'Chronicle API',
      swaggerOptions: { persistAuthorization: true },
    },
  );
  new Logger('OpenApi').log(`OpenAPI at /${DOCS_PATH} and /${DOCS_JSON_PATH}`);
}

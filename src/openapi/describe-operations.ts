import type {
  OpenAPIObject,
  OperationObject,
  ResponsesObject,
} from '@nestjs/swagger';
import { ACCESS_EXTENSION } from '../auth/auth.decorators';
import { ErrorResponseDto } from './error-response.dto';

export const BEARER_SCHEME = 'bearer';

const ERROR_SCHEMA = {
  $ref: `#/components/schemas/${ErrorResponseDto.name}`,
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const BODY_METHODS: readonly string[] = ['put', 'post', 'patch'];

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input: a field, parameter or cursor fails validation',
  401: 'Missing, unknown or revoked bearer token',
  403: 'The token’s user has a lower role than the operation requires',
  404: 'No record with this id',
  413: 'The request body is larger than BODY_LIMIT_BYTES',
  415: 'The request has a body whose Content-Type is not application/json',
  429: 'More than RATE_LIMIT_PER_MINUTE requests a minute for this token (or IP); see the Retry-After header',
  503: 'PostgreSQL or Redis is unavailable; retry later',
};

/**
 * Completes every operation of a generated document with what the global
 * pipes, guards, filters and limits do, so controllers declare only their
 * own responses. It adds the bearer requirement and the role (from
 * `@RequireRole` and `@Public`) and these errors: 400 when the operation
 * takes input, 404 when its path has a parameter, 413 when it takes a body,
 * 415 on every POST, PUT and PATCH (requireJsonBody checks them all), 401
 * and 429 when it needs a token, 403 when it needs more than viewer, and 503
 * everywhere. Responses a controller documents itself are kept as they are.
 */
export function describeOperations(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) describeOperation(method, path, operation);
    }
  }

  return document;
}

function describeOperation(
  method: (typeof METHODS)[number],
  path: string,
  operation: OperationObject,
): void {
  const access = accessOf(operation);
  const errors = [
    ...inputErrors(method, path, operation),
    ...accessErrors(access),
    503,
  ];

  operation.security = securityOf(access);
  operation.description = [accessSentence(access), operation.description]
    .filter(Boolean)
    .join('\n\n');
  operation.responses = withErrors(operation.responses, errors);
}

function inputErrors(
  method: (typeof METHODS)[number],
  path: string,
  operation: OperationObject,
): number[] {
  const errors: number[] = [];
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) {
    errors.push(400);
  }
  if (path.includes('{')) errors.push(404);
  if (operation.requestBody) errors.push(413);
  if (BODY_METHODS.includes(method)) errors.push(415);

  return errors;
}

function accessErrors(access: string): number[] {
  if (access === 'public') return [];
  // Every user has at least the viewer role, so only higher roles add 403.
  if (access === 'viewer' || access === 'configurable') return [401, 429];

  return [401, 403, 429];
}

function accessOf(operation: OperationObject): string {
  const extensions = operation as unknown as Record<string, unknown>;
  const declared = extensions[ACCESS_EXTENSION];
  const access = typeof declared === 'string' ? declared : 'viewer';
  extensions[ACCESS_EXTENSION] = access;

  return access;
}

function securityOf(access: string): OperationObject['security'] {
  if (access === 'public') return [];
  if (access === 'configurable') return [{}, { [BEARER_SCHEME]: [] }];

  return [{ [BEARER_SCHEME]: [] }];
}

function accessSentence(access: string): string {
  if (access === 'public') return 'Open to requests without a token.';
  if (access === 'configurable') {
    return 'Open without a token or with any token, depending on configuration.';
  }

  return `Requires a bearer token of a user with the **${access}** role or higher.`;
}

function withErrors(
  responses: ResponsesObject,
  statuses: number[],
): ResponsesObject {
  const completed: ResponsesObject = { ...responses };
  for (const status of statuses) {
    completed[status] ??= {
      description: STANDARD_ERRORS[status],
      content: { 'application/json': { schema: ERROR_SCHEMA } },
    };
  }

  return completed;
}

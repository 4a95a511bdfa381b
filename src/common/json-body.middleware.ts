import {
  BadRequestException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The one media type request bodies may have. */
export const JSON_MEDIA_TYPE = 'application/json';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Keys that can reach an object's prototype when code copies a parsed body
 * by assignment (`Object.assign`, `target[key] = value`). `JSON.parse` makes
 * `__proto__` an ordinary own property, and class-transformer 0.5 drops
 * `__proto__` and `constructor` silently instead of rejecting them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const PROTOTYPE_KEY_REASON =
  '__proto__, constructor and prototype keys can change object prototypes';

/** Maximum number of prototype keys that one error response lists. */
const MAX_REPORTED_KEYS = 20;

/** Returns true for a chunked body or a Content-Length above 0. */
function hasBody(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length']);

  return Number.isFinite(length) && length > 0;
}

/**
 * Rejects a POST, PUT or PATCH body that is not `application/json` with 415,
 * before anything reads it. Requests without a body pass whatever their
 * Content-Type, so actions such as `POST /jobs/:id/cancel` need none.
 */
export function requireJsonBody(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  if (
    !BODY_METHODS.has(request.method) ||
    !hasBody(request) ||
    request.is(JSON_MEDIA_TYPE)
  ) {
    next();
    return;
  }

  const mediaType = request.headers['content-type']?.split(';')[0].trim();
  const problem = mediaType
    ? `Content-Type ${mediaType} is not supported`
    : 'Content-Type is missing';
  next(
    new UnsupportedMediaTypeException([
      `${problem}; send the body as ${JSON_MEDIA_TYPE}`,
    ]),
  );
}

/**
 * Rejects a parsed JSON body that contains a {@link PROTOTYPE_KEYS} key at
 * any depth with 400, naming each such key by its path.
 */
export function rejectPrototypeKeys(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const paths = prototypeKeyPaths(request.body as unknown);
  if (paths.length === 0) {
    next();
    return;
  }

  next(
    new BadRequestException(
      paths.map((path) => `${path} is not allowed: ${PROTOTYPE_KEY_REASON}`),
    ),
  );
}

/**
 * Lists the paths (`payload.items.0.__proto__`) of prototype keys in a parsed
 * JSON value in document order, at most `limit` of them. The walk uses its
 * own stack, so a body nested thousands of levels deep cannot overflow the
 * call stack.
 */
export function prototypeKeyPaths(
  value: unknown,
  limit = MAX_REPORTED_KEYS,
): string[] {
  const found: string[] = [];
  const pending: { value: unknown; path: string; key?: string }[] = [
    { value, path: '' },
  ];

  while (pending.length > 0 && found.length < limit) {
    const node = pending.pop()!;
    if (node.key !== undefined && PROTOTYPE_KEYS.has(node.key)) {
      found.push(node.path);
    }
    if (typeof node.value !== 'object' || node.value === null) continue;

    const container = node.value as Record<string, unknown>;
    const keys = Object.keys(container);
    // Pushed last to first, so the first key is visited first.
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index];
      pending.push({
        value: container[key],
        path: node.path ? `${node.path}.${key}` : key,
        key,
      });
    }
  }

  return found;
}

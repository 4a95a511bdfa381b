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
const NUL_REASON = 'must not contain NUL characters';
const SURROGATE_REASON = 'must not contain unpaired UTF-16 surrogates';

/** Maximum number of problems that one error response lists. */
const MAX_REPORTED_PROBLEMS = 20;

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
 * Rejects a parsed JSON body with 400 when it contains, at any depth, a
 * {@link PROTOTYPE_KEYS} key, or a key or string with a NUL character or an
 * unpaired UTF-16 surrogate. PostgreSQL cannot store NUL in text or jsonb,
 * and the UTF-8 encoding of a query replaces an unpaired surrogate with
 * U+FFFD, so the stored text would differ from the request. Each problem is
 * named by its path, as in `tags.1 must not contain NUL characters`.
 */
export function rejectInvalidBody(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const problems = findValueProblems(request.body as unknown, 'request body');
  next(problems.length > 0 ? new BadRequestException(problems) : undefined);
}

/**
 * Rejects a query string with 400 when a parameter name or value contains a
 * NUL character or an unpaired UTF-16 surrogate, naming the parameter, so
 * that such text never reaches PostgreSQL.
 */
export function rejectInvalidQuery(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const problems = findValueProblems(request.query, 'query', {
    checkPrototypeKeys: false,
  });
  next(problems.length > 0 ? new BadRequestException(problems) : undefined);
}

/** Returns the problem with one key or string, if it has one. */
function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return NUL_REASON;
  if (!text.isWellFormed()) return SURROGATE_REASON;

  return undefined;
}

/**
 * Writes NUL and unpaired surrogates as `\u` escapes, so a message can show
 * a key that contains them.
 */
function printable(text: string): string {
  let result = '';
  // The string iterator yields an unpaired surrogate as a code point of its own.
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escaped = code === 0 || (code >= 0xd800 && code <= 0xdfff);
    result += escaped ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }

  return result;
}

/**
 * Lists the problems of a parsed JSON value in document order, at most
 * `limit` of them: prototype keys (unless `checkPrototypeKeys` is false), and
 * keys or strings with a NUL character or an unpaired surrogate. Each
 * message names the value by its path (`payload.items.0.__proto__`), and
 * `rootName` names a string that is the whole value. The walk uses its own
 * stack, so a body nested thousands of levels deep cannot overflow the call
 * stack.
 */
export function findValueProblems(
  value: unknown,
  rootName: string,
  { checkPrototypeKeys = true, limit = MAX_REPORTED_PROBLEMS } = {},
): string[] {
  const found: string[] = [];
  const pending: { value: unknown; path: string; key?: string }[] = [
    { value, path: '' },
  ];

  while (pending.length > 0 && found.length < limit) {
    const node = pending.pop()!;
    const path = node.path || rootName;
    if (node.key !== undefined) {
      const keyProblem = textProblem(node.key);
      if (keyProblem) {
        found.push(`key ${path} ${keyProblem}`);
      } else if (checkPrototypeKeys && PROTOTYPE_KEYS.has(node.key)) {
        found.push(`${path} is not allowed: ${PROTOTYPE_KEY_REASON}`);
      }
    }
    if (typeof node.value === 'string') {
      const problem = textProblem(node.value);
      if (problem) found.push(`${path} ${problem}`);
      continue;
    }
    if (typeof node.value !== 'object' || node.value === null) continue;

    const container = node.value as Record<string, unknown>;
    const keys = Object.keys(container);
    // Pushed last to first, so the first key is visited first.
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index];
      const segment = printable(key);
      pending.push({
        value: container[key],
        path: node.path ? `${node.path}.${segment}` : segment,
        key,
      });
    }
  }

  return found;
}

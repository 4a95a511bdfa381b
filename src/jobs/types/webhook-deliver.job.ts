import { validateHeaderName, validateHeaderValue } from 'node:http';
import { Injectable } from '@nestjs/common';
import { IsInt, IsObject, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { Environment } from '../../config/environment';
import type { JobContext, JobHandler } from '../job-type';
import { JobTypeHandler } from '../job-type-handler.decorator';
import { WebhookAllowedHosts } from './webhook-allowed-hosts';

export const WEBHOOK_DEFAULT_TIMEOUT_MS = 10_000;
export const WEBHOOK_MAX_TIMEOUT_MS = 120_000;

export class WebhookDeliverPayloadDto {
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'url must be an http or https URL' },
  )
  url: string;

  /** The JSON body to POST; `{}` when left out. */
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;

  /** Extra request headers, such as a signature. */
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(WEBHOOK_MAX_TIMEOUT_MS)
  timeoutMs?: number;
}

export interface WebhookDeliverResult {
  status: number;
  durationMs: number;
}

/**
 * POSTs a JSON body to an allowed host. A non-2xx response (redirects
 * included, because they are not followed) or a timeout fails the attempt, so the
 * job's retries and backoff apply.
 */
@Injectable()
@JobTypeHandler({
  name: 'webhook.deliver',
  payload: WebhookDeliverPayloadDto,
  description:
    'POSTs a JSON body to a URL on a host of WEBHOOK_ALLOWED_HOSTS; non-2xx or timeout fails the attempt.',
})
export class WebhookDeliverJob implements JobHandler<WebhookDeliverPayloadDto> {
  private readonly allowed: WebhookAllowedHosts;

  constructor(environment: Environment) {
    this.allowed = new WebhookAllowedHosts(environment.WEBHOOK_ALLOWED_HOSTS);
  }

  check(payload: WebhookDeliverPayloadDto): string[] {
    const errors: string[] = [];
    const url = new URL(payload.url);
    if (!this.allowed.allows(url)) {
      errors.push(
        `url host ${url.host} is not allowed; allowed hosts: ` +
          this.allowed.describe(),
      );
    }
    if (url.username !== '' || url.password !== '') {
      // fetch() rejects such a URL at run time, so every attempt would fail.
      errors.push(
        'url must not contain a user name or password; pass credentials in headers',
      );
    }
    for (const [name, value] of Object.entries(payload.headers ?? {})) {
      errors.push(...headerErrors(name, value));
    }

    return errors;
  }

  async run(
    payload: WebhookDeliverPayloadDto,
    context: JobContext,
  ): Promise<WebhookDeliverResult> {
    const timeoutMs = payload.timeoutMs ?? WEBHOOK_DEFAULT_TIMEOUT_MS;
    const began = Date.now();
    const deadline = deadlineSignal(context.signal, timeoutMs);
    try {
      const response = await fetch(payload.url, {
        method: 'POST',
        headers: {
          ...payload.headers,
          'content-type': 'application/json',
          'x-chronicle-job-id': context.jobRunId,
          'x-chronicle-attempt': String(context.attempt),
        },
        body: JSON.stringify(payload.body ?? {}),
        redirect: 'manual',
        signal: deadline.signal,
      });
      // The body is not needed, but reading it to the end frees the
      // connection for reuse. It is read under the same deadline.
      await discardBody(response, deadline.signal);

      if (response.status < 200 || response.status > 299) {
        throw new Error(
          `POST ${payload.url} returned ${response.status} ${response.statusText}`,
        );
      }

      return { status: response.status, durationMs: Date.now() - began };
    } catch (error) {
      if (deadline.timedOut) {
        throw new Error(`POST ${payload.url} timed out after ${timeoutMs} ms`, {
          cause: error,
        });
      }
      if ((error as Error).message.startsWith(`POST ${payload.url}`)) {
        throw error;
      }
      throw new Error(
        `POST ${payload.url} failed: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      deadline.clear();
    }
  }
}

/**
 * Checks one request header with `validateHeaderName` and
 * `validateHeaderValue` of node:http, the checks Node applies when it sends
 * a request: the name must be a token, and the value must not contain CR,
 * LF, NUL or other control characters except tab.
 */
/*
 * Headers the delivery sets itself or that fetch() forbids: a caller's value
 * would be dropped or break the request at run time.
 */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'x-chronicle-attempt',
  'x-chronicle-job-id',
]);

function headerErrors(name: string, value: unknown): string[] {
  try {
    validateHeaderName(name);
  } catch {
    return [
      `headers.${JSON.stringify(name)} is not a valid HTTP header name ` +
        '(it must be a token)',
    ];
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return [
      `headers.${name} is set by the delivery itself and cannot be given; ` +
        `reserved headers: ${[...RESERVED_HEADERS].join(', ')}`,
    ];
  }
  if (typeof value !== 'string') return [`headers.${name} must be a string`];
  try {
    validateHeaderValue(name, value);
  } catch {
    return [
      `headers.${name} is not a valid HTTP header value ` +
        '(CR, LF, NUL and other control characters except tab are not allowed)',
    ];
  }

  return [];
}

interface Deadline {
  signal: AbortSignal;
  /** True when the timeout, not the attempt's signal, aborted. */
  readonly timedOut: boolean;
  clear(): void;
}

/**
 * Creates a signal that fires when `attempt` fires or after `timeoutMs`.
 *
 * It is built from a plain AbortController and setTimeout, which the caller
 * keeps until {@link Deadline.clear}. `AbortSignal.any([signal,
 * AbortSignal.timeout(ms)])` is not used, because the combined signal refers
 * to its sources only weakly and nothing else keeps the timeout signal
 * alive: a garbage collection during the request dropped the timeout, which
 * then never fired (Node 20.20, test/e2e/jobs-webhook.e2e-spec.ts).
 */
function deadlineSignal(attempt: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onAttemptAbort = () => controller.abort(attempt.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  if (attempt.aborted) onAttemptAbort();
  else attempt.addEventListener('abort', onAttemptAbort, { once: true });

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      clearTimeout(timer);
      attempt.removeEventListener('abort', onAttemptAbort);
    },
  };
}

/**
 * Reads a response body to its end without keeping it. An abort of `signal`
 * ends the read with an error, which is passed on, not swallowed.
 */
async function discardBody(
  response: Response,
  signal: AbortSignal,
): Promise<void> {
  if (!response.body) return;

  const reader = response.body.getReader();
  const onAbort = (): void => {
    reader.cancel(signal.reason).catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done } = await reader.read();
      if (done) break;
    }
    signal.throwIfAborted();
  } finally {
    signal.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

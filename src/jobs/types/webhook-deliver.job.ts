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
    const headers = Object.entries(payload.headers ?? {});
    if (headers.some(([, value]) => typeof value !== 'string')) {
      errors.push('headers must map header names to strings');
    }

    return errors;
  }

  async run(
    payload: WebhookDeliverPayloadDto,
    context: JobContext,
  ): Promise<WebhookDeliverResult> {
    const timeoutMs = payload.timeoutMs ?? WEBHOOK_DEFAULT_TIMEOUT_MS;
    const began = Date.now();
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
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
    }).catch((error: Error) => {
      if (error.name === 'TimeoutError') {
        throw new Error(`POST ${payload.url} timed out after ${timeoutMs} ms`);
      }
      throw new Error(`POST ${payload.url} failed: ${error.message}`, {
        cause: error,
      });
    });
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);

    if (response.status < 200 || response.status > 299) {
      throw new Error(
        `POST ${payload.url} returned ${response.status} ${response.statusText}`,
      );
    }

    return { status: response.status, durationMs: Date.now() - began };
  }
}

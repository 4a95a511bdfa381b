import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { JobContext, JobHandler } from '../job-type';
import { JobTypeHandler } from '../job-type-handler.decorator';

export const NOOP_MAX_SLEEP_MS = 60_000;

export class SystemNoopPayloadDto {
  /** Waits this long (abortable) before it returns. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(NOOP_MAX_SLEEP_MS)
  sleepMs?: number;
}

/** Does nothing: for diagnostics and for measuring the job machinery. */
@Injectable()
@JobTypeHandler({
  name: 'system.noop',
  payload: SystemNoopPayloadDto,
  description:
    'Returns {ok: true}, after sleeping sleepMs if given (and logging it); measures the job machinery.',
})
export class SystemNoopJob implements JobHandler<SystemNoopPayloadDto> {
  async run(
    payload: SystemNoopPayloadDto,
    context: JobContext,
  ): Promise<{ ok: true }> {
    if (payload.sleepMs) {
      await sleep(payload.sleepMs, undefined, { signal: context.signal });
      await context.log(`Slept ${payload.sleepMs} ms`);
    }

    return { ok: true };
  }
}

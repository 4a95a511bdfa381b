import {
  Controller,
  Get,
  Inject,
  Logger,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import type IORedis from 'ioredis';
import { Public } from '../auth/auth.decorators';
import { REDIS_CLIENT } from '../redis/redis.module';

const CHECK_TIMEOUT_MS = 2000;

/** The @nestjs/terminus result: status and one entry per dependency. */
const HEALTH_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: {
      type: 'object',
      additionalProperties: true,
      example: { database: { status: 'up' }, redis: { status: 'up' } },
    },
  },
};

@ApiTags('Operations')
@SkipThrottle()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: IORedis,
  ) {}

  /**
   * Returns 200 when PostgreSQL and Redis respond, else 503; either way the
   * body is the check result, `{status, info, error, details}`, whose
   * `error` names each dependency that is down.
   */
  @Get()
  @Public()
  @ApiOperation({ summary: 'Whether PostgreSQL and Redis answer' })
  @ApiOkResponse({ description: 'Both respond', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({
    description: 'One is down; `error` names it',
    schema: HEALTH_SCHEMA,
  })
  async check(
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => {
              await this.redis.ping();
            })
            .withTimeout(CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      this.logger.warn(
        `Health check failed; down: ${Object.keys(result.error ?? {}).join(', ')}`,
      );
      response.status(503);

      return result;
    }
  }
}

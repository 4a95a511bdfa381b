import { Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { Environment } from '../config/environment';
import { TokenThrottlerGuard } from './token-throttler.guard';

const WINDOW_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE requests a minute per token (or IP) on every API
 * route, answered beyond that with 429 and Retry-After in seconds. Counts
 * live in the memory of each API process. Routes marked `@SkipThrottle()`
 * (health, metrics) are not counted.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [Environment],
      useFactory: (environment: Environment) => {
        const limit = environment.RATE_LIMIT_PER_MINUTE;
        new Logger(RateLimitModule.name).log(
          limit > 0
            ? `Rate limit: ${limit} requests a minute per token or IP`
            : 'Rate limit off (RATE_LIMIT_PER_MINUTE=0)',
        );

        return {
          throttlers: [{ name: 'default', ttl: WINDOW_MS, limit }],
          skipIf: () => limit === 0,
          errorMessage: `Rate limit of ${limit} requests a minute exceeded; retry after Retry-After seconds`,
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: TokenThrottlerGuard }],
})
export class RateLimitModule {}

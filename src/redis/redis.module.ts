import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';
import { Environment } from '../config/environment';
import { createRedisConnection } from './redis-connection';

/** A fail-fast Redis connection for health checks and request-path reads. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [Environment],
      useFactory: (environment: Environment) =>
        createRedisConnection(environment.REDIS_URL, 'client', { fast: true }),
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: IORedis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

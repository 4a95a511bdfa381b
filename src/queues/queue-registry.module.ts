import { Global, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';

/**
 * Every BullMQ queue of Chronicle, as one shared array of `Queue` instances:
 * the dashboard at /admin/queues shows them and the queue depth gauge counts
 * them. Both read the array at each request, so a module that opens its
 * queues at run time may also inject the token and push each queue once.
 */
export const BULL_BOARD_QUEUES = Symbol('BULL_BOARD_QUEUES');

/**
 * Provides {@link BULL_BOARD_QUEUES}. Queues known at start-up are listed by
 * importing their module here and injecting them into the factory (for
 * example each `getQueueToken(name)` of `BullModule.registerQueue`), in the
 * order the dashboard shows them.
 */
@Global()
@Module({
  providers: [
    {
      provide: BULL_BOARD_QUEUES,
      inject: [],
      useFactory: (...queues: Queue[]): Queue[] => queues,
    },
  ],
  exports: [BULL_BOARD_QUEUES],
})
export class QueueRegistryModule {}

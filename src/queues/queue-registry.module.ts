import { Global, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';

/**
 * Every BullMQ queue of Chronicle, as an array of `Queue` instances: the
 * dashboard at /admin/queues shows them and the queue depth gauge counts
 * them. Register a queue once here and both pick it up.
 */
export const BULL_BOARD_QUEUES = Symbol('BULL_BOARD_QUEUES');

/**
 * Provides {@link BULL_BOARD_QUEUES}. A module that owns queues adds them by
 * importing its `BullModule.registerQueue(...)` here and injecting each
 * `getQueueToken(name)` into the factory, in the order the dashboard lists
 * them.
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

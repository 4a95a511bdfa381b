import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { AuthModule } from '../auth/auth.module';
import { AuthService } from '../auth/auth.service';
import { BULL_BOARD_QUEUES } from '../queues/queue-registry.module';
import { adminOnly } from './admin-only.middleware';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The bull-board dashboard of every queue in {@link BULL_BOARD_QUEUES} at
 * /admin/queues, for admin tokens only. Its pages call the dashboard's own
 * JSON routes under the same path, which the same check protects. Queues
 * pushed into the array after start-up appear at the next request.
 */
@Module({ imports: [AuthModule] })
export class QueueDashboardModule implements OnModuleInit {
  private readonly logger = new Logger(QueueDashboardModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    @Inject(BULL_BOARD_QUEUES) private readonly queues: Queue[],
  ) {}

  onModuleInit(): void {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    const board = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Chronicle queues' } },
    });
    let shown: Queue[] = [];
    const showCurrentQueues = (
      _request: unknown,
      _response: unknown,
      next: () => void,
    ) => {
      if (!sameQueues(shown, this.queues)) {
        shown = [...this.queues];
        board.replaceQueues(shown.map((queue) => new BullMQAdapter(queue)));
        this.logger.log(`Queue dashboard shows: ${names(shown)}`);
      }
      next();
    };

    this.adapterHost.httpAdapter.use(
      QUEUE_DASHBOARD_PATH,
      adminOnly(this.auth),
      showCurrentQueues,
      serverAdapter.getRouter(),
    );
    this.logger.log(
      `Queue dashboard at ${QUEUE_DASHBOARD_PATH} for ${names(this.queues)}`,
    );
  }
}

function sameQueues(shown: Queue[], current: Queue[]): boolean {
  return (
    shown.length === current.length &&
    shown.every((queue, index) => queue === current[index])
  );
}

function names(queues: Queue[]): string {
  return queues.map((queue) => queue.name).join(', ') || 'no queues';
}

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
 * JSON routes under the same path, which the same check protects.
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
    createBullBoard({
      queues: this.queues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Chronicle queues' } },
    });

    this.adapterHost.httpAdapter.use(
      QUEUE_DASHBOARD_PATH,
      adminOnly(this.auth),
      serverAdapter.getRouter(),
    );
    this.logger.log(
      `Queue dashboard at ${QUEUE_DASHBOARD_PATH} for ${this.queues.length} queue(s): ${this.queues.map((queue) => queue.name).join(', ') || 'none'}`,
    );
  }
}

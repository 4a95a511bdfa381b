import { Module } from '@nestjs/common';
import { JobReconciler } from '../job-reconciler.service';
import { JobsCoreModule } from '../jobs-core.module';
import { JobHistoryWriter } from './job-history-writer';
import { JobProcessor } from './job-processor';
import { JobWorkerService } from './job-worker.service';
import { WorkerHeartbeat } from './worker-heartbeat.service';

/**
 * Runs the jobs of JOB_QUEUES in this process, records their history,
 * reports the process alive, and reconciles Redis with PostgreSQL.
 */
@Module({
  imports: [JobsCoreModule],
  providers: [
    JobHistoryWriter,
    JobProcessor,
    JobWorkerService,
    WorkerHeartbeat,
    JobReconciler,
  ],
  exports: [JobHistoryWriter, JobReconciler],
})
export class WorkerModule {}

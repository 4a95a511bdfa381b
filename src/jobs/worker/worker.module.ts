import { Module } from '@nestjs/common';
import { JobsCoreModule } from '../jobs-core.module';
import { JobHistoryWriter } from './job-history-writer';
import { JobProcessor } from './job-processor';
import { JobWorkerService } from './job-worker.service';

/** Runs the jobs of JOB_QUEUES in this process and records their history. */
@Module({
  imports: [JobsCoreModule],
  providers: [JobHistoryWriter, JobProcessor, JobWorkerService],
  exports: [JobHistoryWriter],
})
export class WorkerModule {}

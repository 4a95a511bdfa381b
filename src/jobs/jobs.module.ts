import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { JobControlService } from './job-control.service';
import { JobRunsService } from './job-runs.service';
import { JobTypesController } from './job-types.controller';
import { JobsController } from './jobs.controller';
import { JobsCoreModule } from './jobs-core.module';
import { QueuesController } from './queues.controller';
import { QueuesService } from './queues.service';

/** The REST API of jobs, job types and queues. */
@Module({
  imports: [JobsCoreModule, AuditModule],
  controllers: [JobsController, JobTypesController, QueuesController],
  providers: [JobRunsService, JobControlService, QueuesService],
  exports: [JobRunsService],
})
export class JobsModule {}

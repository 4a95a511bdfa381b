import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobAttempt } from './job-attempt.entity';
import { JobLog } from './job-log.entity';
import { JobQueues } from './job-queues.service';
import { JobRun } from './job-run.entity';
import { JobSubmissionService } from './job-submission.service';
import { JobTypeRegistry } from './job-type.registry';
import { BuiltInJobTypesModule } from './types/built-in-job-types.module';

/**
 * What both the API and the worker need: the job type registry, the queues
 * and submission. Job types live in their own feature modules (as
 * BuiltInJobTypesModule here, or CatalogModule for catalog.import); the
 * registry finds every `@JobTypeHandler` provider of the application, so a
 * process registers the types of the modules it imports.
 */
@Module({
  imports: [
    DiscoveryModule,
    TypeOrmModule.forFeature([JobRun, JobAttempt, JobLog]),
    BuiltInJobTypesModule,
  ],
  providers: [JobTypeRegistry, JobQueues, JobSubmissionService],
  exports: [JobTypeRegistry, JobQueues, JobSubmissionService],
})
export class JobsCoreModule {}

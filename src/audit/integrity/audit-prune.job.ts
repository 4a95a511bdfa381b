import { Logger } from '@nestjs/common';
import { JobTypeHandler } from '../../jobs/job-type-handler.decorator';
import type { JobContext, JobHandler } from '../../jobs/job-type';
import { UnrecoverableJobError } from '../../jobs/job-type';
import { AuditPruneDto } from './audit-integrity.dto';
import {
  AuditPruneResult,
  AuditRetentionService,
} from './audit-retention.service';

/** Applies a retention rule to audit_version, recording what it removes. */
@JobTypeHandler({
  name: 'audit.prune',
  payload: AuditPruneDto,
  description:
    'Removes audit versions beyond the newest keepLast of each object and/or ' +
    'older than olderThanDays, optionally of one entity type; the removal ' +
    'is itself recorded and sealed.',
  // As POST /audit/prune: removing history is for admins only.
  minimumRole: 'admin',
})
export class AuditPruneJob implements JobHandler<AuditPruneDto> {
  private readonly logger = new Logger(AuditPruneJob.name);

  constructor(private readonly retention: AuditRetentionService) {}

  async check(payload: AuditPruneDto): Promise<string[]> {
    if (payload.keepLast === undefined && payload.olderThanDays === undefined) {
      return ['payload needs keepLast, olderThanDays or both'];
    }
    const problem = await this.retention.checkType(payload.type);

    return problem ? [`payload.${problem}`] : [];
  }

  async run(
    payload: AuditPruneDto,
    context: JobContext,
  ): Promise<AuditPruneResult> {
    const problems = await this.check(payload);
    if (problems.length > 0) {
      throw new UnrecoverableJobError(problems.join('; '));
    }
    const result = await this.retention.prune(payload);
    this.logger.log(
      `Job run ${context.jobRunId} pruned ${result.pruned} versions ` +
        `(revision ${result.revisionId ?? 'none'})`,
    );

    return result;
  }
}

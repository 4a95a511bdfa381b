import { Logger } from '@nestjs/common';
import { JobTypeHandler } from '../../jobs/job-type-handler.decorator';
import type { JobContext, JobHandler } from '../../jobs/job-type';
import { AuditSealDto } from './audit-integrity.dto';
import { AuditSealResult, AuditSealService } from './audit-seal.service';

/** Extends the hash chain over the revisions committed since the last seal. */
@JobTypeHandler({
  name: 'audit.seal',
  payload: AuditSealDto,
  description:
    'Seals committed revisions older than settleMs (default ' +
    'AUDIT_SEAL_SETTLE_MS) into the hash chain and returns its head.',
})
export class AuditSealJob implements JobHandler<AuditSealDto> {
  private readonly logger = new Logger(AuditSealJob.name);

  constructor(private readonly sealer: AuditSealService) {}

  async run(
    payload: AuditSealDto,
    context: JobContext,
  ): Promise<AuditSealResult> {
    const result = await this.sealer.seal({ settleMs: payload.settleMs });
    this.logger.log(
      `Job run ${context.jobRunId} sealed ${result.sealed} revisions; ` +
        `head seq ${result.lastSeq} hash ${result.lastHash ?? 'none'}`,
    );

    return result;
  }
}

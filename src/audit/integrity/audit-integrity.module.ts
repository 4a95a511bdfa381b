import { Module } from '@nestjs/common';
import { AuditPruneJob } from './audit-prune.job';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSealJob } from './audit-seal.job';
import { AuditSealService } from './audit-seal.service';
import { AuditVerifyService } from './audit-verify.service';

/**
 * Tamper evidence (the hash chain in audit_seal and its verification) and
 * recorded retention for the audit tables, with the `audit.seal` and
 * `audit.prune` job types. It has no controllers, so worker processes import
 * it; AuditIntegrityApiModule adds the REST API.
 */
@Module({
  providers: [
    AuditSealService,
    AuditVerifyService,
    AuditRetentionService,
    AuditSealJob,
    AuditPruneJob,
  ],
  exports: [AuditSealService, AuditVerifyService, AuditRetentionService],
})
export class AuditIntegrityModule {}

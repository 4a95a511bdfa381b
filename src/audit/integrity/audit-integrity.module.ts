import { Module } from '@nestjs/common';
import { AuditIntegrityController } from './audit-integrity.controller';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSealService } from './audit-seal.service';
import { AuditVerifyService } from './audit-verify.service';

/**
 * Tamper evidence (the hash chain in audit_seal and its verification) and
 * recorded retention for the audit tables. The sealing and retention
 * services are exported for the `audit.seal` and `audit.prune` job handlers.
 */
@Module({
  controllers: [AuditIntegrityController],
  providers: [AuditSealService, AuditVerifyService, AuditRetentionService],
  exports: [AuditSealService, AuditVerifyService, AuditRetentionService],
})
export class AuditIntegrityModule {}

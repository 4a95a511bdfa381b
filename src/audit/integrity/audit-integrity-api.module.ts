import { Module } from '@nestjs/common';
import { AuditIntegrityController } from './audit-integrity.controller';
import { AuditIntegrityModule } from './audit-integrity.module';

/** The REST API of sealing, verification and retention (`/audit/...`). */
@Module({
  imports: [AuditIntegrityModule],
  controllers: [AuditIntegrityController],
})
export class AuditIntegrityApiModule {}

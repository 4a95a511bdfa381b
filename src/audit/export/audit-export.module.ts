import { Module } from '@nestjs/common';
import { AuditExportJob } from './audit-export.job';
import { AuditExportService } from './audit-export.service';

/** The `audit.export` job type. */
@Module({
  providers: [AuditExportService, AuditExportJob],
  exports: [AuditExportService],
})
export class AuditExportModule {}

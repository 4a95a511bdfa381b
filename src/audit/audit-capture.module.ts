import { Global, Module } from '@nestjs/common';
import { AuditedTransactionService } from './audited-transaction.service';

/**
 * Provides audited transactions to every module. Capture itself runs in
 * PostgreSQL (the audit_capture trigger), so this module has no writer.
 */
@Global()
@Module({
  providers: [AuditedTransactionService],
  exports: [AuditedTransactionService],
})
export class AuditCaptureModule {}

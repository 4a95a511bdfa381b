import { Global, Module } from '@nestjs/common';
import { AuditedTransactionService } from './audited-transaction.service';

/**
 * Provides audited transactions to every module. Capture itself runs in
 * PostgreSQL (audit_capture_trigger on each tracked table), so this module has
 * no writer.
 */
@Global()
@Module({
  providers: [AuditedTransactionService],
  exports: [AuditedTransactionService],
})
export class AuditCaptureModule {}

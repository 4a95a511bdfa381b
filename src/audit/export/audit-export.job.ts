import { Logger } from '@nestjs/common';
import { JobTypeHandler } from '../../jobs/job-type-handler.decorator';
import type { JobContext, JobHandler } from '../../jobs/job-type';
import { AuditExportPayloadDto } from './audit-export-payload.dto';
import { AuditExportResult, AuditExportService } from './audit-export.service';

/** Writes the history of a time range to a file in EXPORT_DIR. */
@JobTypeHandler({
  name: 'audit.export',
  payload: AuditExportPayloadDto,
  description:
    'Writes the versions of a time range [from, to), optionally of one ' +
    'entity type, with their revisions as NDJSON or CSV to EXPORT_DIR.',
})
export class AuditExportJob implements JobHandler<AuditExportPayloadDto> {
  private readonly logger = new Logger(AuditExportJob.name);

  constructor(private readonly exporter: AuditExportService) {}

  check(payload: AuditExportPayloadDto): string[] {
    if (Date.parse(payload.to) <= Date.parse(payload.from)) {
      return ['payload.to must be later than payload.from'];
    }

    return [];
  }

  async run(
    payload: AuditExportPayloadDto,
    context: JobContext,
  ): Promise<AuditExportResult> {
    this.logger.log(
      `Export started: job run ${context.jobRunId}, attempt ` +
        `${context.attempt}, ${payload.format} from ${payload.from} to ` +
        `${payload.to}${payload.type ? ` of ${payload.type}` : ''}`,
    );
    try {
      const result = await this.exporter.export(payload, context);
      await context.log(`Wrote ${result.rows} versions to ${result.path}`);
      this.logger.log(
        `Export finished: job run ${context.jobRunId}, ${result.rows} ` +
          `versions in ${result.path}`,
      );

      return result;
    } catch (error) {
      this.logger.warn(
        `Export failed: job run ${context.jobRunId}: ` +
          `${(error as Error).message}`,
      );
      throw error;
    }
  }
}

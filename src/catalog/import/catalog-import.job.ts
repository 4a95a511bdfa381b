import { Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { Environment } from '../../config/environment';
import { JobTypeHandler } from '../../jobs/job-type-handler.decorator';
import {
  JobContext,
  JobHandler,
  UnrecoverableJobError,
} from '../../jobs/job-type';
import { CatalogImportPayloadDto } from './catalog-import-payload.dto';
import {
  CatalogImportRow,
  ImportRowError,
  rowsFromBooks,
  rowsFromCsv,
} from './catalog-import-rows';
import {
  CatalogImportResult,
  CatalogImportService,
} from './catalog-import.service';
import { ImportFileError, resolveImportFile } from './import-file';

/**
 * Upserts authors and books from JSON rows, CSV text or a CSV file in
 * IMPORT_DIR, all rows in one audited transaction: an invalid row fails the
 * job without retries and leaves nothing written.
 */
@JobTypeHandler({
  name: 'catalog.import',
  payload: CatalogImportPayloadDto,
  description:
    'Upserts authors and books from {books: [...]}, {csv: "..."} or ' +
    '{file: "<name in IMPORT_DIR>"}, all rows in one transaction.',
})
export class CatalogImportJob implements JobHandler<CatalogImportPayloadDto> {
  private readonly logger = new Logger(CatalogImportJob.name);

  constructor(
    private readonly environment: Environment,
    private readonly importer: CatalogImportService,
  ) {}

  async check(payload: CatalogImportPayloadDto): Promise<string[]> {
    if (payload.file === undefined) return [];

    try {
      await resolveImportFile(this.environment.IMPORT_DIR, payload.file);
      return [];
    } catch (error) {
      if (error instanceof ImportFileError) return [error.message];
      throw error;
    }
  }

  async run(
    payload: CatalogImportPayloadDto,
    context: JobContext,
  ): Promise<CatalogImportResult> {
    this.logger.log(
      `Import started: job run ${context.jobRunId}, attempt ${context.attempt}`,
    );
    try {
      const result = await this.import(payload, context);
      this.logger.log(
        `Import finished: job run ${context.jobRunId}, ` +
          `${JSON.stringify(result)}`,
      );

      return result;
    } catch (error) {
      if (error instanceof ImportRowError || error instanceof ImportFileError) {
        this.logger.warn(
          `Import rejected: job run ${context.jobRunId}: ${error.message}`,
        );
        throw new UnrecoverableJobError(error.message);
      }
      throw error;
    }
  }

  private async import(
    payload: CatalogImportPayloadDto,
    context: JobContext,
  ): Promise<CatalogImportResult> {
    const rows = await this.readRows(payload);
    const total = rows.length;
    await context.log(`Read ${total} rows`);
    await context.progress({ processed: 0, total });

    const result = await context.transaction((manager) =>
      this.importer.upsert(manager, rows, {
        signal: context.signal,
        onProgress: (processed) => context.progress({ processed, total }),
      }),
    );
    await context.log(
      `Imported ${result.rows} rows: ${result.authorsCreated} authors ` +
        `created, ${result.booksCreated} books created, ` +
        `${result.booksUpdated} updated, ${result.booksUnchanged} unchanged`,
    );

    return result;
  }

  private async readRows(
    payload: CatalogImportPayloadDto,
  ): Promise<CatalogImportRow[]> {
    if (payload.books !== undefined) return rowsFromBooks(payload.books);
    if (payload.csv !== undefined) return rowsFromCsv(payload.csv);
    if (payload.file !== undefined) {
      // Resolved again here: the file may have changed since submission.
      // NOTE: the file is read whole into memory, and its size is not
      // limited; a streaming parser would be needed for files of many GB.
      const path = await resolveImportFile(
        this.environment.IMPORT_DIR,
        payload.file,
      );
      return rowsFromCsv(await readFile(path, 'utf8'));
    }
    throw new ImportRowError(
      'payload',
      'must contain exactly one of books, csv or file',
    );
  }
}

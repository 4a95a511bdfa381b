import { Module } from '@nestjs/common';
import { HistoryController } from './history.controller';
import { HistoryService } from './history.service';
import { RevertService } from './revert.service';
import { RevisionsController } from './revisions.controller';
import { RevisionsService } from './revisions.service';
import { TableWriter } from './table-writer';
import { TrackedTableRegistry } from './tracked-table.registry';

/** The history API: versions, diffs, as-of, revisions, revert and recover. */
@Module({
  controllers: [HistoryController, RevisionsController],
  providers: [
    HistoryService,
    RevisionsService,
    RevertService,
    TableWriter,
    TrackedTableRegistry,
  ],
  exports: [HistoryService, TrackedTableRegistry],
})
export class AuditModule {}

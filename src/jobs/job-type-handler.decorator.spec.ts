import 'reflect-metadata';
import { INJECTABLE_WATERMARK } from '@nestjs/common/constants';
import { AuditExportPayloadDto } from '../audit/export/audit-export-payload.dto';
import { AuditExportJob } from '../audit/export/audit-export.job';
import { CatalogImportPayloadDto } from '../catalog/import/catalog-import-payload.dto';
import { CatalogImportJob } from '../catalog/import/catalog-import.job';
import {
  JOB_TYPE_METADATA,
  JobTypeHandler,
} from './job-type-handler.decorator';

describe(JobTypeHandler.name, () => {
  it.each([
    [CatalogImportJob, 'catalog.import', CatalogImportPayloadDto],
    [AuditExportJob, 'audit.export', AuditExportPayloadDto],
  ])('registers %p', (handler, name, payload) => {
    expect(Reflect.getMetadata(JOB_TYPE_METADATA, handler)).toEqual({
      name,
      payload,
      description: expect.any(String),
    });
    expect(Reflect.getMetadata(INJECTABLE_WATERMARK, handler)).toBe(true);
  });
});

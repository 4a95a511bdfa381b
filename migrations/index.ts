import { AuditCore1796256000000 } from './1796256000000-audit-core';
import { Auth1796256001000 } from './1796256001000-auth';
import { Catalog1796256002000 } from './1796256002000-catalog';
import { AuditIntegrity1796256030000 } from './1796256030000-audit-integrity';
import { Schedules1796256040000 } from './1796256040000-schedules';
import { Jobs1796256020000 } from './1796256020000-jobs';
import { JobWorkers1796256050000 } from './1796256050000-job-workers';

/** Every migration, in the order they apply. */
export const migrations = [
  AuditCore1796256000000,
  Auth1796256001000,
  Catalog1796256002000,
  Jobs1796256020000,
  AuditIntegrity1796256030000,
  Schedules1796256040000,
  JobWorkers1796256050000,
];

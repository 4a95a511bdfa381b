import { DynamicModule, Module, Type } from '@nestjs/common';
import { QueueDashboardModule } from './admin/queue-dashboard.module';
import { AuditCaptureModule } from './audit/audit-capture.module';
import { AuditModule } from './audit/audit.module';
import { AuditExportModule } from './audit/export/audit-export.module';
import { AuditIntegrityApiModule } from './audit/integrity/audit-integrity-api.module';
import { AuditIntegrityModule } from './audit/integrity/audit-integrity.module';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { CatalogImportModule } from './catalog/import/catalog-import.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { WorkerModule } from './jobs/worker/worker.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueRegistryModule } from './queues/queue-registry.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { SchedulerWorkerModule } from './scheduler/scheduler-worker.module';

export interface AppModuleOptions {
  /** Serves the HTTP API. */
  api: boolean;
  /** Runs the job worker and the scheduler in this process. */
  worker: boolean;
}

/** Modules every Chronicle process needs, besides its configuration. */
const CORE_MODULES: Type[] = [
  DatabaseModule,
  RedisModule,
  AuditCaptureModule,
  QueueRegistryModule,
  MetricsModule,
];

/** Modules that serve the HTTP API; the rate limit's guard runs first. */
const API_MODULES: Type[] = [
  RateLimitModule,
  AuthModule,
  CatalogModule,
  HealthModule,
  AuditModule,
  AuditExportModule,
  SchedulerModule,
  JobsModule,
  AuditIntegrityApiModule,
  QueueDashboardModule,
];

/**
 * Modules that run jobs and schedules, with every module that declares job
 * types: a worker-only process registers only the types of the modules it imports.
 */
const WORKER_MODULES: Type[] = [
  WorkerModule,
  SchedulerWorkerModule,
  CatalogImportModule,
  AuditExportModule,
  AuditIntegrityModule,
];

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(),
        ...CORE_MODULES,
        ...(options.api ? API_MODULES : []),
        ...(options.worker ? WORKER_MODULES : []),
      ],
    };
  }
}

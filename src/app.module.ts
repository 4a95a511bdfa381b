import { DynamicModule, Module, Type } from '@nestjs/common';
import { AuditCaptureModule } from './audit/audit-capture.module';
import { AuditModule } from './audit/audit.module';
import { AuditExportModule } from './audit/export/audit-export.module';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { RedisModule } from './redis/redis.module';

export interface AppModuleOptions {
  /** Serves the HTTP API. */
  api: boolean;
  /** Runs the job worker and the scheduler in this process. */
  worker: boolean;
}

/** Modules every Chronicle process needs. */
const CORE_MODULES: Type[] = [
  ConfigModule,
  DatabaseModule,
  RedisModule,
  AuditCaptureModule,
];

/** Modules that serve the HTTP API. */
const API_MODULES: Type[] = [
  AuthModule,
  CatalogModule,
  HealthModule,
  AuditModule,
  AuditExportModule,
];

/** Modules that run jobs and schedules. */
const WORKER_MODULES: Type[] = [];

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...CORE_MODULES,
        ...(options.api ? API_MODULES : []),
        ...(options.worker ? WORKER_MODULES : []),
      ],
    };
  }
}

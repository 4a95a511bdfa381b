import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { Environment, validateEnvironment } from './environment';

/**
 * Validates the environment through @nestjs/config and provides it as a
 * typed {@link Environment} to every module.
 */
@Global()
@Module({
  imports: [
    NestConfigModule.forRoot({
      ignoreEnvFile: true,
      validate: validateEnvironment,
    }),
  ],
  providers: [
    {
      provide: Environment,
      // Validated when the application is created, not taken from the copy
      // @nestjs/config made when this file was imported. An app created
      // later in the same process (an e2e test) then gets its own variables.
      useFactory: (): Environment => validateEnvironment(process.env),
    },
  ],
  exports: [Environment],
})
export class ConfigModule {}

import { Global, Module } from '@nestjs/common';
import {
  ConfigService,
  ConfigModule as NestConfigModule,
} from '@nestjs/config';
import { Environment, validateEnvironment } from './environment';

/**
 * Validates the environment once through @nestjs/config and provides it as a
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
      inject: [ConfigService],
      useFactory: (config: ConfigService): Environment => {
        const environment = new Environment();
        for (const key of Object.keys(environment)) {
          Object.assign(environment, { [key]: config.get(key) });
        }

        return environment;
      },
    },
  ],
  exports: [Environment],
})
export class ConfigModule {}

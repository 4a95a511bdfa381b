import { DynamicModule, Global, Module } from '@nestjs/common';
import {
  ConfigService,
  ConfigModule as NestConfigModule,
} from '@nestjs/config';
import { Environment, validateEnvironment } from './environment';

/**
 * Validates the environment through @nestjs/config and provides it as a
 * typed {@link Environment} to every module. Validation runs when the
 * application is assembled, not when this file is imported, so each
 * application (and each test) reads the environment of its own start.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: ConfigModule,
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
    };
  }
}

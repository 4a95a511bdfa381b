import { Role, roleIncludes } from '../auth/role';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { invalid } from '../common/errors';
import type { JobHandler } from './job-type';
import {
  JOB_TYPE_METADATA,
  JobTypeOptions,
} from './job-type-handler.decorator';
import { payloadSchema } from './job-payload-schema';
import { validationMessages } from './validation-messages';

/** A job type found at start-up. */
export interface RegisteredJobType extends JobTypeOptions {
  handler: JobHandler;
}

/** One entry of `GET /job-types`. */
export class JobTypeDescription {
  @ApiProperty({ example: 'system.noop' })
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'JSON schema of the payload, made from its DTO class',
  })
  payloadSchema: Record<string, unknown>;
}

/**
 * Every job type of the application, found by their `@JobTypeHandler`
 * decorator on the providers of all imported modules.
 */
@Injectable()
export class JobTypeRegistry implements OnModuleInit {
  private readonly logger = new Logger(JobTypeRegistry.name);
  private readonly types = new Map<string, RegisteredJobType>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** @throws Error when two providers register the same name. */
  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || seen.has(instance as object)) continue;
      const options = Reflect.getMetadata(JOB_TYPE_METADATA, metatype) as
        JobTypeOptions | undefined;
      if (!options) continue;
      seen.add(instance as object);
      this.add(options, instance as JobHandler);
    }
    this.logger.log(
      `Registered job types: ${this.names().join(', ') || '(none)'}`,
    );
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  find(name: string): RegisteredJobType | undefined {
    return this.types.get(name);
  }

  /**
   * Returns why a user of `role` may not submit jobs of `type`, or null when
   * they may. A null role is a system submission, which may submit any type.
   */
  submitterRoleProblem(
    type: RegisteredJobType,
    role: Role | null,
  ): string | null {
    if (!type.minimumRole || role === null) return null;
    if (roleIncludes(role, type.minimumRole)) return null;

    return `Submitting ${type.name} jobs requires the ${type.minimumRole} role; the submitter is ${role}`;
  }

  /** @throws DomainError (invalid) naming the known types. */
  get(name: string): RegisteredJobType {
    const type = this.types.get(name);
    if (!type) {
      throw invalid(
        `Unknown job type "${name}"; known types: ${this.names().join(', ')}`,
      );
    }

    return type;
  }

  describe(): JobTypeDescription[] {
    return this.names().map((name) => {
      const type = this.get(name);

      return {
        name,
        description: type.description,
        payloadSchema: payloadSchema(type.payload),
      };
    });
  }

  /**
   * Validates a payload against its type's DTO (no unknown fields) and the
   * handler's own check.
   *
   * @returns error messages naming each field as `<prefix>.field`; empty when
   *   the payload is accepted.
   */
  async validate(
    type: RegisteredJobType,
    payload: unknown,
    prefix = 'payload',
  ): Promise<string[]> {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
      return [`${prefix} must be an object`];
    }

    const instance = this.toPayload(type, payload);
    const errors = await validate(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    if (errors.length > 0) return validationMessages(errors, prefix);

    const checked = type.handler.check
      ? await type.handler.check(instance)
      : [];

    return checked.map((message) => withPayloadPath(message, prefix));
  }

  /** Turns a stored payload into an instance of its DTO for the handler. */
  toPayload(type: RegisteredJobType, payload: object): object {
    return plainToInstance(type.payload, payload);
  }

  private add(options: JobTypeOptions, handler: JobHandler): void {
    if (this.types.has(options.name)) {
      throw new Error(
        `Job type "${options.name}" is registered twice ` +
          `(${this.types.get(options.name)?.handler.constructor.name} and ` +
          `${handler.constructor.name}); job type names must be unique`,
      );
    }
    this.types.set(options.name, { ...options, handler });
  }
}

/**
 * Puts the path of the payload in the request (`payload`, or `jobs.1.payload`
 * in a bulk request) in front of a message of a handler's check. The handler
 * names a field by itself (`url host ...`) or under `payload`
 * (`payload.file ...`), and the payload as a whole as `payload`.
 */
function withPayloadPath(message: string, prefix: string): string {
  if (/^payload[. ]/.test(message)) {
    return `${prefix}${message.slice('payload'.length)}`;
  }

  return `${prefix}.${message}`;
}

import { applyDecorators, Injectable, SetMetadata, Type } from '@nestjs/common';
import type { Role } from '../auth/role';

/** Metadata key under which a job handler class stores its options. */
export const JOB_TYPE_METADATA = 'chronicle:job-type';

export interface JobTypeOptions {
  /** Unique type name used at submission, such as `catalog.import`. */
  name: string;
  /** class-validator DTO the payload is validated against at submission. */
  payload: Type<object>;
  description: string;
  /**
   * Lowest role that may submit jobs of this type, directly or through a
   * schedule it owns. Without it, the operator role that POST /jobs needs.
   */
  minimumRole?: Role;
}

/**
 * Registers an injectable class implementing `JobHandler` as the handler of a
 * job type. The job registry finds it by the metadata this stores.
 */
export function JobTypeHandler(options: JobTypeOptions): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(JOB_TYPE_METADATA, options));
}

import { Controller, Get } from '@nestjs/common';
import { JobTypeRegistry } from './job-type.registry';

@Controller('job-types')
export class JobTypesController {
  constructor(private readonly registry: JobTypeRegistry) {}

  @Get()
  list() {
    return { items: this.registry.describe(), nextCursor: null };
  }
}

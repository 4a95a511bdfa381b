import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse } from '../openapi/api-responses.decorators';
import { JobTypeDescription, JobTypeRegistry } from './job-type.registry';

@ApiTags('Jobs')
@Controller('job-types')
export class JobTypesController {
  constructor(private readonly registry: JobTypeRegistry) {}

  @Get()
  @ApiOperation({
    summary: 'Job types with their payload schema, in one page',
  })
  @ApiPageResponse(JobTypeDescription)
  list() {
    return { items: this.registry.describe(), nextCursor: null };
  }
}

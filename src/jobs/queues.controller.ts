import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse } from '../openapi/api-responses.decorators';
import { QueueStatusDto, QueuesService } from './queues.service';

@ApiTags('Jobs')
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOperation({
    summary: 'Live state of each queue, in one page',
    description:
      'Read from Redis: job counts by state, whether the queue is paused and how many workers are connected.',
  })
  @ApiPageResponse(QueueStatusDto)
  async list() {
    return { items: await this.queues.list(), nextCursor: null };
  }
}

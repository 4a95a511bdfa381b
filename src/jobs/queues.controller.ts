import { Controller, Get } from '@nestjs/common';
import { QueuesService } from './queues.service';

@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  async list() {
    return { items: await this.queues.list(), nextCursor: null };
  }
}

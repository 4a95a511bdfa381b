import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { RequireRole } from '../auth/auth.decorators';
import { AuthorsService } from './authors.service';
import {
  AuthorCreateDto,
  AuthorListQueryDto,
  AuthorUpdateDto,
} from './catalog.dto';

@Controller('authors')
export class AuthorsController {
  constructor(private readonly authors: AuthorsService) {}

  @Post()
  @RequireRole('editor')
  create(@Body() body: AuthorCreateDto) {
    return this.authors.create(body);
  }

  @Get()
  list(@Query() query: AuthorListQueryDto) {
    return this.authors.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.authors.get(id);
  }

  @Patch(':id')
  @RequireRole('editor')
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AuthorUpdateDto,
  ) {
    return this.authors.update(id, body);
  }

  @Delete(':id')
  @RequireRole('editor')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.authors.remove(id);
  }
}

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
import { BooksService } from './books.service';
import {
  BookBulkUpdateDto,
  BookCreateDto,
  BookListQueryDto,
  BookUpdateDto,
} from './catalog.dto';

@Controller('books')
export class BooksController {
  constructor(private readonly books: BooksService) {}

  @Post()
  @RequireRole('editor')
  create(@Body() body: BookCreateDto) {
    return this.books.create(body);
  }

  @Get()
  list(@Query() query: BookListQueryDto) {
    return this.books.list(query);
  }

  @Patch()
  @RequireRole('editor')
  bulkUpdate(@Body() body: BookBulkUpdateDto) {
    return this.books.bulkUpdate(body);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.books.get(id);
  }

  @Patch(':id')
  @RequireRole('editor')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() body: BookUpdateDto) {
    return this.books.update(id, body);
  }

  @Delete(':id')
  @RequireRole('editor')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.books.remove(id);
  }
}

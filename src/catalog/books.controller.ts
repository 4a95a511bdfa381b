import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../auth/auth.decorators';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import { BooksService } from './books.service';
import {
  BookBulkUpdateDto,
  BookCreateDto,
  BookListQueryDto,
  BookUpdateDto,
} from './catalog.dto';
import {
  BookBulkUpdateResponseDto,
  BookResponseDto,
} from './catalog-response.dto';
import { ParseUuidParamPipe } from '../common/parse-uuid-param.pipe';

@ApiTags('Catalog')
@Controller('books')
export class BooksController {
  constructor(private readonly books: BooksService) {}

  @Post()
  @RequireRole('editor')
  @ApiOperation({ summary: 'Create a book' })
  @ApiCreatedResponse({ type: BookResponseDto })
  @ApiErrorResponse(409, 'Another book has this isbn')
  create(@Body() body: BookCreateDto) {
    return this.books.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List books, newest first' })
  @ApiPageResponse(BookResponseDto)
  list(@Query() query: BookListQueryDto) {
    return this.books.list(query);
  }

  @Patch()
  @RequireRole('editor')
  @ApiOperation({
    summary: 'Set the same fields on many books in one transaction',
  })
  @ApiOkResponse({ type: BookBulkUpdateResponseDto })
  @ApiErrorResponse(404, 'Some of the ids match no book (all are listed)')
  @ApiErrorResponse(409, 'isbn cannot be set on several books')
  bulkUpdate(@Body() body: BookBulkUpdateDto) {
    return this.books.bulkUpdate(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One book' })
  @ApiOkResponse({ type: BookResponseDto })
  get(@Param('id', ParseUuidParamPipe) id: string) {
    return this.books.get(id);
  }

  @Patch(':id')
  @RequireRole('editor')
  @ApiOperation({ summary: 'Change fields of a book' })
  @ApiOkResponse({ type: BookResponseDto })
  @ApiErrorResponse(409, 'Another book has this isbn')
  update(
    @Param('id', ParseUuidParamPipe) id: string,
    @Body() body: BookUpdateDto,
  ) {
    return this.books.update(id, body);
  }

  @Delete(':id')
  @RequireRole('editor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a book' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('id', ParseUuidParamPipe) id: string): Promise<void> {
    await this.books.remove(id);
  }
}

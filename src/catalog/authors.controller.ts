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
import { AuthorsService } from './authors.service';
import {
  AuthorCreateDto,
  AuthorListQueryDto,
  AuthorUpdateDto,
} from './catalog.dto';
import { AuthorResponseDto } from './catalog-response.dto';
import { ParseUuidParamPipe } from '../common/parse-uuid-param.pipe';

@ApiTags('Catalog')
@Controller('authors')
export class AuthorsController {
  constructor(private readonly authors: AuthorsService) {}

  @Post()
  @RequireRole('editor')
  @ApiOperation({ summary: 'Create an author' })
  @ApiCreatedResponse({ type: AuthorResponseDto })
  @ApiErrorResponse(409, 'An author with this name already exists')
  create(@Body() body: AuthorCreateDto) {
    return this.authors.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List authors, newest first' })
  @ApiPageResponse(AuthorResponseDto)
  list(@Query() query: AuthorListQueryDto) {
    return this.authors.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One author' })
  @ApiOkResponse({ type: AuthorResponseDto })
  get(@Param('id', ParseUuidParamPipe) id: string) {
    return this.authors.get(id);
  }

  @Patch(':id')
  @RequireRole('editor')
  @ApiOperation({ summary: 'Change fields of an author' })
  @ApiOkResponse({ type: AuthorResponseDto })
  @ApiErrorResponse(409, 'An author with this name already exists')
  update(
    @Param('id', ParseUuidParamPipe) id: string,
    @Body() body: AuthorUpdateDto,
  ) {
    return this.authors.update(id, body);
  }

  @Delete(':id')
  @RequireRole('editor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an author that has no books' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponse(409, 'The author still has books')
  async remove(@Param('id', ParseUuidParamPipe) id: string): Promise<void> {
    await this.authors.remove(id);
  }
}

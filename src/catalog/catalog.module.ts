import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Author } from './author.entity';
import { AuthorsController } from './authors.controller';
import { AuthorsService } from './authors.service';
import { Book } from './book.entity';
import { BooksController } from './books.controller';
import { BooksService } from './books.service';
import { CatalogImportModule } from './import/catalog-import.module';

/** The catalog REST API; imports the catalog.import job type. */
@Module({
  imports: [TypeOrmModule.forFeature([Author, Book]), CatalogImportModule],
  controllers: [AuthorsController, BooksController],
  providers: [AuthorsService, BooksService],
  exports: [AuthorsService, BooksService],
})
export class CatalogModule {}

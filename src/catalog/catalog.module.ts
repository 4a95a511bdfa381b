import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Author } from './author.entity';
import { AuthorsController } from './authors.controller';
import { AuthorsService } from './authors.service';
import { Book } from './book.entity';
import { BooksController } from './books.controller';
import { BooksService } from './books.service';
import { CatalogImportJob } from './import/catalog-import.job';
import { CatalogImportService } from './import/catalog-import.service';

@Module({
  imports: [TypeOrmModule.forFeature([Author, Book])],
  controllers: [AuthorsController, BooksController],
  providers: [
    AuthorsService,
    BooksService,
    CatalogImportService,
    CatalogImportJob,
  ],
  exports: [AuthorsService, BooksService],
})
export class CatalogModule {}

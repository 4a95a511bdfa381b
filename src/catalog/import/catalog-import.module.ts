import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Author } from '../author.entity';
import { Book } from '../book.entity';
import { CatalogImportJob } from './catalog-import.job';
import { CatalogImportService } from './catalog-import.service';

/**
 * The `catalog.import` job type, without the catalog's controllers, so that
 * worker processes can run it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Author, Book])],
  providers: [CatalogImportService, CatalogImportJob],
})
export class CatalogImportModule {}

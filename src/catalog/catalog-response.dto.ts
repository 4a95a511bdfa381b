import { ApiProperty } from '@nestjs/swagger';

/** Creation and last-change stamps of a record: user ids and instants. */
class StampedDto {
  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  updatedBy: string | null;
}

export class AuthorResponseDto extends StampedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Jane Austen' })
  name: string;
}

export class BookResponseDto extends StampedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Pride and Prejudice' })
  title: string;

  @ApiProperty({ format: 'uuid' })
  authorId: string;

  @ApiProperty({ type: String, nullable: true })
  isbn: string | null;

  @ApiProperty({ type: String, nullable: true })
  originalTitle: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1813 })
  publishedYear: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '19.90',
    description: 'Decimal string',
  })
  price: string | null;

  @ApiProperty({ type: [String] })
  tags: string[];
}

export class BookBulkUpdateResponseDto {
  @ApiProperty({ description: 'Number of books changed' })
  updated: number;

  @ApiProperty({ type: [BookResponseDto] })
  items: BookResponseDto[];
}

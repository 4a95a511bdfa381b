import { Column, Entity, PrimaryColumn } from 'typeorm';
import { StampedAtColumn, StampedByColumn } from '../common/who-when-columns';

/** Who/when columns are filled by the stamp_who_when() trigger. */
@Entity({ name: 'books' })
export class Book {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  @Column({ type: 'text', nullable: true })
  isbn: string | null;

  @Column({ name: 'original_title', type: 'text', nullable: true })
  originalTitle: string | null;

  @Column({ name: 'published_year', type: 'integer', nullable: true })
  publishedYear: number | null;

  /** Kept as a string, so "19.90" stays "19.90". */
  @Column({ type: 'numeric', precision: 12, scale: 2, nullable: true })
  price: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @StampedAtColumn('created_at')
  createdAt: Date;

  @StampedByColumn('created_by')
  createdBy: string | null;

  @StampedAtColumn('updated_at')
  updatedAt: Date;

  @StampedByColumn('updated_by')
  updatedBy: string | null;
}

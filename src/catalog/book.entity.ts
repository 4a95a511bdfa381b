import { Column, Entity, PrimaryColumn } from 'typeorm';

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

  @Column({
    name: 'created_at',
    type: 'timestamptz',
    precision: 3,
    insert: false,
    update: false,
  })
  createdAt: Date;

  @Column({
    name: 'created_by',
    type: 'uuid',
    nullable: true,
    insert: false,
    update: false,
  })
  createdBy: string | null;

  @Column({
    name: 'updated_at',
    type: 'timestamptz',
    precision: 3,
    insert: false,
    update: false,
  })
  updatedAt: Date;

  @Column({
    name: 'updated_by',
    type: 'uuid',
    nullable: true,
    insert: false,
    update: false,
  })
  updatedBy: string | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Who/when columns are filled by the stamp_who_when() trigger. */
@Entity({ name: 'authors' })
export class Author {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  name: string;

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

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { StampedAtColumn, StampedByColumn } from '../common/who-when-columns';

/** Who/when columns are filled by the stamp_who_when() trigger. */
@Entity({ name: 'authors' })
export class Author {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @StampedAtColumn('created_at')
  createdAt: Date;

  @StampedByColumn('created_by')
  createdBy: string | null;

  @StampedAtColumn('updated_at')
  updatedAt: Date;

  @StampedByColumn('updated_by')
  updatedBy: string | null;
}

import { Column } from 'typeorm';

/**
 * Declares `created_at` or `updated_at` as timestamptz(3). The
 * stamp_who_when() trigger fills it, so TypeORM never writes it.
 */
export const StampedAtColumn = (name: 'created_at' | 'updated_at') =>
  Column({
    name,
    type: 'timestamptz',
    precision: 3,
    insert: false,
    update: false,
  });

/**
 * Declares `created_by` or `updated_by` as a nullable uuid (null when no user
 * acted). The stamp_who_when() trigger fills it, so TypeORM never writes it.
 */
export const StampedByColumn = (name: 'created_by' | 'updated_by') =>
  Column({
    name,
    type: 'uuid',
    nullable: true,
    insert: false,
    update: false,
  });

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext, currentAuditContext } from './audit-context';

/** Transaction-local settings read by the capture trigger. */
const SETTINGS = {
  userId: 'chronicle.user_id',
  source: 'chronicle.source',
  requestId: 'chronicle.request_id',
  comment: 'chronicle.comment',
  jobRunId: 'chronicle.job_run_id',
  revision: 'chronicle.revision',
  action: 'chronicle.action',
} as const;

type SavedSettings = Record<keyof typeof SETTINGS, string>;

/** Special version actions that a write can carry instead of create/update. */
export type AuditAction = 'revert' | 'recover';

/**
 * Runs database work in transactions that carry the audit context, so the
 * capture trigger attributes every version to the right actor and request.
 */
@Injectable()
export class AuditedTransactionService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs work in a new transaction attributed to the current audit context,
   * with fields of `override` taking precedence.
   *
   * @returns what work returns, after the commit.
   */
  async run<T>(
    work: (manager: EntityManager) => Promise<T>,
    override: Partial<AuditContext> = {},
  ): Promise<T> {
    const context = { ...currentAuditContext(), ...override };

    return this.dataSource.transaction(async (manager) => {
      await this.apply(manager, context);

      return work(manager);
    });
  }

  /**
   * Runs a block inside an open transaction as another actor. Its writes go to
   * a revision of their own, and the outer actor and revision are restored
   * afterwards, also when the block fails.
   */
  async actAs<T>(
    manager: EntityManager,
    context: AuditContext,
    work: () => Promise<T>,
  ): Promise<T> {
    const saved = await this.read(manager);
    await this.apply(manager, context);
    try {
      return await work();
    } finally {
      await this.write(manager, saved);
    }
  }

  /** Marks the writes of a block as a revert or a recover. */
  async withAction<T>(
    manager: EntityManager,
    action: AuditAction,
    work: () => Promise<T>,
  ): Promise<T> {
    await manager.query(`SELECT set_config($1, $2, true)`, [
      SETTINGS.action,
      action,
    ]);
    try {
      return await work();
    } finally {
      await manager.query(`SELECT set_config($1, '', true)`, [SETTINGS.action]);
    }
  }

  private async apply(
    manager: EntityManager,
    context: AuditContext,
  ): Promise<void> {
    await this.write(manager, {
      userId: context.userId ?? '',
      source: context.source,
      requestId: context.requestId ?? '',
      comment: context.comment ?? '',
      jobRunId: context.jobRunId ?? '',
      revision: '',
      action: '',
    });
  }

  private async read(manager: EntityManager): Promise<SavedSettings> {
    const keys = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];
    const columns = keys.map(
      (key, index) => `coalesce(current_setting($${index + 1}, true), '')`,
    );
    const [row] = await manager.query(
      `SELECT ARRAY[${columns.join(', ')}] AS settings`,
      keys.map((key) => SETTINGS[key]),
    );

    return Object.fromEntries(
      keys.map((key, index) => [key, row.settings[index]]),
    ) as SavedSettings;
  }

  private async write(
    manager: EntityManager,
    values: SavedSettings,
  ): Promise<void> {
    const keys = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];
    const calls = keys.map(
      (_key, index) => `set_config($${2 * index + 1}, $${2 * index + 2}, true)`,
    );
    await manager.query(
      `SELECT ${calls.join(', ')}`,
      keys.flatMap((key) => [SETTINGS[key], values[key]]),
    );
  }
}

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { conflict, notFound } from '../common/errors';
import { Environment } from '../config/environment';
import type { Actor } from './actor';
import { ApiToken } from './api-token.entity';
import type { Role } from './role';
import { generateToken, hashToken } from './token-hash';
import { User } from './user.entity';

const ADMIN_NAME = 'admin';

/** A token as returned once, at creation. */
export interface IssuedToken {
  id: string;
  name: string | null;
  token: string;
  createdAt: Date;
}

/** Users, their API tokens, and token authentication. */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
    private readonly environment: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.environment.ADMIN_TOKEN) {
      await this.ensureAdminToken(this.environment.ADMIN_TOKEN);
    }
  }

  /** Returns the actor of a live token, or null for an unknown or revoked one. */
  async authenticate(token: string): Promise<Actor | null> {
    const rows: Actor[] = await this.dataSource.query(
      `SELECT u.id, u.name, u.role, t.id AS "tokenId"
       FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [hashToken(token)],
    );

    return rows[0] ?? null;
  }

  /** Creates a user and a first token, shown only in this response. */
  async createUser(
    name: string,
    role: Role,
  ): Promise<{ user: User; token: IssuedToken }> {
    return this.transactions.run(async (manager) => {
      const taken = await manager.findOneBy(User, { name });
      if (taken) throw conflict(`A user named "${name}" already exists`);

      const user = await manager.save(manager.create(User, { name, role }));
      const token = await this.insertToken(manager, user.id, 'default');

      return { user, token };
    });
  }

  async listUsers(): Promise<User[]> {
    return this.dataSource.manager.find(User, {
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async listTokens(userId: string): Promise<ApiToken[]> {
    await this.getUser(userId);

    return this.dataSource.manager.find(ApiToken, {
      where: { userId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async getUser(id: string): Promise<User> {
    const user = await this.dataSource.manager.findOneBy(User, { id });
    if (!user) throw notFound(`User ${id} not found`);

    return user;
  }

  /** Issues another token for a user. */
  async issueToken(userId: string, name?: string): Promise<IssuedToken> {
    await this.getUser(userId);

    return this.transactions.run((manager) =>
      this.insertToken(manager, userId, name ?? null),
    );
  }

  /** Revokes a token; the next request that presents it gets a 401. */
  async revokeToken(id: string): Promise<ApiToken> {
    return this.transactions.run(async (manager) => {
      const token = await manager.findOneBy(ApiToken, { id });
      if (!token) throw notFound(`Token ${id} not found`);
      if (token.revokedAt) return token;

      token.revokedAt = new Date();
      await manager.update(ApiToken, { id }, { revokedAt: token.revokedAt });
      this.logger.log(`Revoked token ${id} of user ${token.userId}`);

      return token;
    });
  }

  private async insertToken(
    manager: EntityManager,
    userId: string,
    name: string | null,
  ): Promise<IssuedToken> {
    const token = generateToken();
    const row = await manager.save(
      manager.create(ApiToken, { userId, name, tokenHash: hashToken(token) }),
    );

    return { id: row.id, name: row.name, token, createdAt: row.createdAt };
  }

  /** Makes sure ADMIN_TOKEN is a live token of an admin user. */
  private async ensureAdminToken(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    await this.transactions.run(
      async (manager) => {
        // Serialises API processes that start together with the same token.
        await manager.query('SELECT pg_advisory_xact_lock(7310002)');
        const existing = await manager
          .createQueryBuilder(ApiToken, 't')
          .addSelect('t.tokenHash')
          .where('t.tokenHash = :tokenHash', { tokenHash })
          .getOne();
        const owner = existing
          ? await manager.findOneBy(User, { id: existing.userId })
          : null;
        if (existing && !existing.revokedAt && owner?.role === 'admin') return;

        let admin = await manager.findOneBy(User, { name: ADMIN_NAME });
        if (!admin) {
          admin = await manager.save(
            manager.create(User, { name: ADMIN_NAME, role: 'admin' }),
          );
        } else if (admin.role !== 'admin') {
          await manager.update(User, { id: admin.id }, { role: 'admin' });
        }
        if (existing) {
          await manager.update(
            ApiToken,
            { id: existing.id },
            { userId: admin.id, revokedAt: null },
          );
        } else {
          await manager.save(
            manager.create(ApiToken, {
              userId: admin.id,
              name: 'ADMIN_TOKEN',
              tokenHash,
            }),
          );
        }
        this.logger.log(`Installed ADMIN_TOKEN for user ${admin.id}`);
      },
      { userId: null, source: 'system', comment: 'ADMIN_TOKEN at start-up' },
    );
  }
}

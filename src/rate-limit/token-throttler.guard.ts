import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { bearerToken } from '../auth/auth.guard';

/**
 * Rate limits per API token, or per client IP for requests without one, over
 * all routes together: one budget per client rather than one per route.
 */
@Injectable()
export class TokenThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(request: Record<string, any>): Promise<string> {
    const token = bearerToken((request as Request).header('authorization'));
    if (token) {
      return `token:${createHash('sha256').update(token).digest('hex')}`;
    }

    return `ip:${await super.getTracker(request)}`;
  }

  protected generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }
}

import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'chr_';

/** Creates a new random API token secret. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Returns the SHA-256 hex digest under which a token is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

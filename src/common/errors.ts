/**
 * Domain errors with a meaning, mapped to HTTP status codes in one place
 * (AllExceptionsFilter), so services never import HTTP concepts.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unprocessable'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string) => new DomainError('invalid', message);
export const forbidden = (message: string) =>
  new DomainError('forbidden', message);
export const notFound = (message: string) =>
  new DomainError('not-found', message);
export const conflict = (message: string) =>
  new DomainError('conflict', message);
export const tooLarge = (message: string) =>
  new DomainError('too-large', message);
export const unprocessable = (message: string) =>
  new DomainError('unprocessable', message);
export const unavailable = (message: string) =>
  new DomainError('unavailable', message);

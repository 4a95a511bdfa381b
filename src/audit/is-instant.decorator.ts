import { IsISO8601, Matches } from 'class-validator';

/**
 * An ISO 8601 date-time with an explicit offset (`Z` or `+01:00`), so the
 * instant never depends on the server's time zone.
 */
export const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;

export const INSTANT_EXAMPLE = '2026-01-05T10:00:00.000Z';

/** Validates a query field as an instant and names the field when it is not. */
export function IsInstant(field: string): PropertyDecorator {
  const message = `${field} must be an ISO 8601 instant with an offset, such as ${INSTANT_EXAMPLE}`;
  const valid = IsISO8601({ strict: true, strictSeparator: true }, { message });
  const formatted = Matches(INSTANT_PATTERN, { message });

  return (target, property) => {
    valid(target, property);
    formatted(target, property);
  };
}

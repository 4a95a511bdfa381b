import { Transform } from 'class-transformer';
import { IsDate, isISO8601, ValidateBy } from 'class-validator';

/**
 * An ISO 8601 date-time with an explicit offset (`Z` or `+01:00`), so the
 * instant never depends on the server's time zone.
 */
export const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;

export const INSTANT_EXAMPLE = '2026-01-05T10:00:00.000Z';

const ISO_8601_OPTIONS = { strict: true, strictSeparator: true };

/** Returns the validation message of an instant field named `field`. */
export function instantMessage(field: string): string {
  return `${field} must be an ISO 8601 instant with an offset, such as ${INSTANT_EXAMPLE}`;
}

/** Returns true for a string that {@link IsInstant} accepts. */
function isInstant(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    INSTANT_PATTERN.test(value) &&
    isISO8601(value, ISO_8601_OPTIONS)
  );
}

/**
 * Validates a field as an instant and names the field when it is not. The
 * pattern and the ISO 8601 check are one constraint, so a value that fails
 * both gets one message.
 */
export function IsInstant(field: string): PropertyDecorator {
  const message = instantMessage(field);

  return ValidateBy({
    name: 'isInstant',
    validator: { validate: isInstant, defaultMessage: () => message },
  });
}

/**
 * Converts an instant string, as {@link IsInstant} accepts it, to a Date for
 * a field validated with `@IsDate()`. Any other value, a Date included, is
 * returned as it is, so `@IsDate()` accepts a Date and rejects the rest.
 */
export function toInstant(value: unknown): unknown {
  return isInstant(value) ? new Date(value as string) : value;
}

/**
 * Converts a field with {@link toInstant} and validates it as a Date, for a
 * query field read as a Date, naming the field when it is not an instant.
 */
export function IsInstantDate(field: string): PropertyDecorator {
  const converted = Transform(({ value }: { value: unknown }) =>
    toInstant(value),
  );
  const valid = IsDate({ message: instantMessage(field) });

  return (target, property) => {
    converted(target, property);
    valid(target, property);
  };
}

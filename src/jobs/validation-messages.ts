import type { ValidationError } from 'class-validator';

/**
 * Flattens class-validator errors into messages that name each field by its
 * full path, as in `payload.books.0.title must be a string`. A constraint
 * with the context `{scope: 'object'}` is about the object that contains the
 * property, so its message names that object: `payload must contain ...`.
 */
export function validationMessages(
  errors: ValidationError[],
  prefix: string,
): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([key, text]) => {
      if (key === 'whitelistValidation') return `${path} should not exist`;
      if (isObjectScoped(error, key)) {
        return prefix ? `${prefix} ${text}` : text;
      }

      // class-validator starts its messages with the property name.
      if (text.startsWith(error.property)) {
        return prefix ? `${prefix}.${text}` : text;
      }

      return `${path}: ${text}`;
    });

    return [...own, ...validationMessages(error.children ?? [], path)];
  });
}

function isObjectScoped(error: ValidationError, constraint: string): boolean {
  const context = error.contexts?.[constraint] as
    { scope?: unknown } | undefined;

  return context?.scope === 'object';
}

import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

/**
 * Returns the instance of the provider whose class is named `className`, or
 * null when no module of the application provides it. Looking it up by name
 * keeps the bench compiling while the providing module is not yet part of the
 * application.
 */
export function findProviderByName<T>(
  app: INestApplication,
  className: string,
): T | null {
  const modules = app.get(ModulesContainer);
  for (const module of modules.values()) {
    for (const [token, wrapper] of module.providers) {
      if (typeof token === 'function' && token.name === className) {
        return (wrapper.instance as T) ?? null;
      }
    }
  }

  return null;
}

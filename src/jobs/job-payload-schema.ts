import type { Type } from '@nestjs/common';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  targetConstructorToSchema,
  validationMetadatasToSchemas,
} from 'class-validator-jsonschema';

type Schema = Record<string, unknown>;

const REF_PREFIX = '#/definitions/';

const OPTIONS = {
  refPointerPrefix: REF_PREFIX,
  classTransformerMetadataStorage: defaultMetadataStorage,
};

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        into.add(value.slice(REF_PREFIX.length));
      } else {
        collectRefs(value, into);
      }
    }
  }
}

/**
 * Builds the JSON schema of a payload DTO from its class-validator
 * decorators, with the nested DTOs it refers to under `definitions`.
 */
export function payloadSchema(payload: Type<object>): Schema {
  const schema = targetConstructorToSchema(payload, OPTIONS) as Schema;
  const all = validationMetadatasToSchemas(OPTIONS) as Record<string, Schema>;
  const definitions: Record<string, Schema> = {};
  const pending = new Set<string>();
  collectRefs(schema, pending);

  // Nested DTOs may refer to further DTOs; follow the references to the end.
  for (let guard = 0; pending.size > 0 && guard < 100; guard += 1) {
    const [name] = pending;
    pending.delete(name);
    const definition = all[name];
    if (!definition || definitions[name]) continue;
    definitions[name] = definition;
    collectRefs(definition, pending);
  }

  return Object.keys(definitions).length > 0
    ? { ...schema, additionalProperties: false, definitions }
    : { ...schema, additionalProperties: false };
}

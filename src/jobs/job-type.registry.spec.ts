import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import type { JobHandler } from './job-type';
import { JobTypeHandler } from './job-type-handler.decorator';
import { JobTypeRegistry } from './job-type.registry';

class RowDto {
  @IsString()
  title: string;
}

class ImportPayloadDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RowDto)
  rows: RowDto[];

  @IsOptional()
  @IsInt()
  @Min(1)
  batch?: number;
}

@Injectable()
@JobTypeHandler({
  name: 'test.import',
  payload: ImportPayloadDto,
  description: 'Imports rows.',
})
class ImportJob implements JobHandler<ImportPayloadDto> {
  check(payload: ImportPayloadDto): string[] {
    return payload.rows.length > 2 ? ['rows has more than 2 entries'] : [];
  }

  async run(payload: ImportPayloadDto) {
    return { rows: payload.rows.length };
  }
}

@Injectable()
@JobTypeHandler({
  name: 'test.import',
  payload: ImportPayloadDto,
  description: 'The same name again.',
})
class OtherImportJob implements JobHandler {
  async run() {
    return null;
  }
}

@Module({ providers: [ImportJob] })
class ImportModule {}

@Module({ providers: [OtherImportJob] })
class OtherImportModule {}

async function registryWith(...imports: (typeof ImportModule)[]) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, ...imports],
    providers: [JobTypeRegistry],
  }).compile();
  await moduleRef.init();

  return moduleRef.get(JobTypeRegistry);
}

describe(JobTypeRegistry.name, () => {
  it('finds job types in the providers of other modules', async () => {
    const registry = await registryWith(ImportModule);

    expect(registry.names()).toEqual(['test.import']);
    expect(registry.get('test.import').handler).toBeInstanceOf(ImportJob);
  });

  it('rejects two job types with one name at start-up', async () => {
    await expect(registryWith(ImportModule, OtherImportModule)).rejects.toThrow(
      'Job type "test.import" is registered twice',
    );
  });

  it('names unknown types and lists the known ones', async () => {
    const registry = await registryWith(ImportModule);

    expect(() => registry.get('test.missing')).toThrow(
      'Unknown job type "test.missing"; known types: test.import',
    );
  });

  it('validates payloads naming each field under payload', async () => {
    const registry = await registryWith(ImportModule);
    const type = registry.get('test.import');

    await expect(
      registry.validate(type, { rows: [{ title: 1 }], batch: 0, extra: 1 }),
    ).resolves.toEqual(
      expect.arrayContaining([
        'payload.rows.0.title must be a string',
        'payload.batch must not be less than 1',
        'payload.extra should not exist',
      ]),
    );
    await expect(registry.validate(type, [])).resolves.toEqual([
      'payload must be an object',
    ]);
  });

  it("runs the handler's check after the DTO passes", async () => {
    const registry = await registryWith(ImportModule);
    const type = registry.get('test.import');
    const rows = [{ title: 'a' }, { title: 'b' }, { title: 'c' }];

    await expect(registry.validate(type, { rows })).resolves.toEqual([
      'payload.rows has more than 2 entries',
    ]);
    await expect(
      registry.validate(type, { rows: rows.slice(1) }),
    ).resolves.toEqual([]);
  });

  it('describes each type with the JSON schema of its payload', async () => {
    const registry = await registryWith(ImportModule);

    expect(registry.describe()).toEqual([
      {
        name: 'test.import',
        description: 'Imports rows.',
        payloadSchema: expect.objectContaining({
          type: 'object',
          required: ['rows'],
          additionalProperties: false,
          properties: expect.objectContaining({
            rows: { type: 'array', items: { $ref: '#/definitions/RowDto' } },
            batch: expect.objectContaining({ type: 'integer', minimum: 1 }),
          }),
          definitions: {
            RowDto: expect.objectContaining({
              properties: { title: { type: 'string' } },
            }),
          },
        }),
      },
    ]);
  });
});

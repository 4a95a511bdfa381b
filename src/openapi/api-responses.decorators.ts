import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Documents an error response of one route, such as 409 or 422, in the error
 * shape. describe-operations.ts adds the errors every route shares.
 */
export function ApiErrorResponse(status: number, description: string) {
  return ApiResponse({ status, description, type: ErrorResponseDto });
}

/**
 * Documents a 200 response of `{items: Model[], nextCursor}`, the shape of
 * every list endpoint.
 */
export function ApiPageResponse(model: Type, description?: string) {
  return applyDecorators(
    ApiExtraModels(PageEnvelopeDto, model),
    ApiOkResponse({
      description: description ?? `A page of ${model.name.replace(/Dto$/, '')}`,
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageEnvelopeDto) },
          {
            properties: {
              items: { type: 'array', items: { $ref: getSchemaPath(model) } },
            },
          },
        ],
      },
    }),
  );
}

/** The fields every page has; `items` is filled in per model. */
export class PageEnvelopeDto {
  @ApiProperty({ type: 'array', items: {} })
  items: unknown[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor: string | null;
}

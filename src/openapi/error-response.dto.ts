import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every error response (the NestJS error shape). */
export class ErrorResponseDto {
  @ApiProperty({ example: 404 })
  statusCode: number;

  @ApiProperty({ example: 'Not Found' })
  error: string;

  @ApiProperty({
    type: [String],
    example: ['Book 3f1c9a2e-5b7d-4c1e-9a55-0c2f0b7f6a11 not found'],
    description: 'One or more human-readable reasons',
  })
  message: string[];

  @ApiPropertyOptional({
    example: '5f0c3d4e-8f3b-4f7a-9c51-2b8e6a1d7c90',
    description: 'The X-Request-Id of the request, for finding its log lines',
  })
  requestId?: string;
}

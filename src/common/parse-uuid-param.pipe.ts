import {
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  PipeTransform,
} from '@nestjs/common';
import { isUUID } from 'class-validator';

/**
 * Checks that a path parameter is a UUID, by the rule that `@IsUUID('all')`
 * applies to bodies, and names the parameter when it is not:
 * `id must be a UUID; got "nope"`. Use it as `@Param('id', ParseUuidParamPipe)`.
 */
@Injectable()
export class ParseUuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (isUUID(value, 'all')) return value;

    const name = metadata.data ?? 'parameter';
    throw new BadRequestException([
      `${name} must be a UUID; got ${JSON.stringify(value)}`,
    ]);
  }
}

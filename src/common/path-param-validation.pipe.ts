import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * The global ValidationPipe, except that it leaves path parameters as the
 * strings that the URL contains. Each typed path parameter has a pipe of
 * its own (PositiveIntPipe, ParseUuidParamPipe) that parses it and names it
 * in its message. ValidationPipe would convert `abc` to `NaN` before that
 * pipe runs, so the message would show `NaN` instead of the input.
 */
export class PathParamValidationPipe extends ValidationPipe {
  protected override transformPrimitive(
    value: unknown,
    metadata: ArgumentMetadata,
  ): unknown {
    if (metadata.type === 'param') return value;

    return super.transformPrimitive(value, metadata);
  }
}

import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { MAX_VERSION } from './history-query.dto';

/** Parses a path parameter as an integer from 1 to 2^31 - 1. */
@Injectable()
export class PositiveIntPipe implements PipeTransform<string, number> {
  constructor(private readonly field: string) {}

  transform(value: string): number {
    const parsed = Number(value);
    if (!/^\d{1,10}$/.test(value) || parsed < 1 || parsed > MAX_VERSION) {
      throw new BadRequestException([
        `${this.field} must be an integer from 1 to ${MAX_VERSION}; got "${value}"`,
      ]);
    }

    return parsed;
  }
}

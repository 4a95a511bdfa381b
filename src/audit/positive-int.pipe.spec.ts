import { BadRequestException } from '@nestjs/common';
import { PositiveIntPipe } from './positive-int.pipe';

describe(PositiveIntPipe.name, () => {
  const pipe = new PositiveIntPipe('version');

  it('parses a version number', () => {
    expect(pipe.transform('42')).toBe(42);
  });

  it.each(['0', '-1', '1.5', 'abc', '', '2147483648', '99999999999'])(
    'rejects "%s" naming the field',
    (value) => {
      let thrown: unknown;
      try {
        pipe.transform(value);
      } catch (error) {
        thrown = error;
      }

      expect(thrown).toBeInstanceOf(BadRequestException);
      const body = (thrown as BadRequestException).getResponse();
      expect(JSON.stringify(body)).toContain('version must be');
    },
  );
});

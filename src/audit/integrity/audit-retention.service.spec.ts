import { describeRule } from './audit-retention.service';

describe(describeRule.name, () => {
  it('describes every part of a rule', () => {
    expect(
      describeRule({ keepLast: 5, olderThanDays: 30, type: 'books' }),
    ).toBe('keepLast=5, olderThanDays=30, type=books');
  });

  it('describes a rule with one limit', () => {
    expect(describeRule({ olderThanDays: 0 })).toBe('olderThanDays=0');
  });

  it.each([
    [{}, 'Give keepLast, olderThanDays or both'],
    [{ type: 'books' }, 'Give keepLast, olderThanDays or both'],
    [{ keepLast: 0 }, 'keepLast must be an integer of at least 1, not 0'],
    [{ keepLast: 1.5 }, 'keepLast must be an integer of at least 1, not 1.5'],
    [
      { olderThanDays: -1 },
      'olderThanDays must be an integer of at least 0, not -1',
    ],
  ])('rejects %j', (rule, message) => {
    expect(() => describeRule(rule)).toThrow(message);
  });
});

import {
  cronError,
  firstSlotFrom,
  isValidTimeZone,
  SlotSpec,
  takeSlots,
} from './schedule-slots';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const cron = (expression: string, timezone: string): SlotSpec => ({
  timing: { kind: 'cron', cron: expression, timezone },
});

describe('schedule slots', () => {
  describe('Europe/Amsterdam spring-forward, 2024-03-31 02:00 CET -> 03:00 CEST', () => {
    it('moves a daily gap slot to the first valid instant', () => {
      const slots = takeSlots(
        cron('30 2 * * *', 'Europe/Amsterdam'),
        at('2024-03-30T00:00:00Z'),
        3,
      );

      expect(iso(slots)).toEqual([
        '2024-03-30T01:30:00.000Z', // 02:30 CET
        '2024-03-31T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2024-04-01T00:30:00.000Z', // 02:30 CEST
      ]);
    });

    it('fires an hourly cron once per real hour', () => {
      const slots = takeSlots(
        cron('0 * * * *', 'Europe/Amsterdam'),
        at('2024-03-30T23:30:00Z'),
        4,
      );

      expect(iso(slots)).toEqual([
        '2024-03-31T00:00:00.000Z', // 01:00 CET
        '2024-03-31T01:00:00.000Z', // 03:00 CEST (02:00 does not exist)
        '2024-03-31T02:00:00.000Z', // 04:00 CEST
        '2024-03-31T03:00:00.000Z',
      ]);
    });

    it('collapses every missing quarter hour into one slot at 03:00 CEST', () => {
      const slots = takeSlots(
        cron('*/15 * * * *', 'Europe/Amsterdam'),
        at('2024-03-31T00:40:00Z'),
        4,
      );

      expect(iso(slots)).toEqual([
        '2024-03-31T00:45:00.000Z', // 01:45 CET
        '2024-03-31T01:00:00.000Z', // 02:00-02:45 missing, and 03:00 CEST
        '2024-03-31T01:15:00.000Z',
        '2024-03-31T01:30:00.000Z',
      ]);
    });
  });

  describe('Europe/Amsterdam fall-back, 2024-10-27 03:00 CEST -> 02:00 CET', () => {
    it('fires a daily slot inside the repeated hour once, at its first occurrence', () => {
      const slots = takeSlots(
        cron('30 2 * * *', 'Europe/Amsterdam'),
        at('2024-10-26T00:00:00Z'),
        3,
      );

      expect(iso(slots)).toEqual([
        '2024-10-26T00:30:00.000Z', // 02:30 CEST
        '2024-10-27T00:30:00.000Z', // 02:30 CEST, not again at 02:30 CET
        '2024-10-28T01:30:00.000Z', // 02:30 CET
      ]);
    });

    it('fires an hourly cron in each real hour, both occurrences of 02:00 included', () => {
      const slots = takeSlots(
        cron('0 * * * *', 'Europe/Amsterdam'),
        at('2024-10-26T23:30:00Z'),
        4,
      );

      expect(iso(slots)).toEqual([
        '2024-10-27T00:00:00.000Z', // 02:00 CEST
        '2024-10-27T01:00:00.000Z', // 02:00 CET
        '2024-10-27T02:00:00.000Z', // 03:00 CET
        '2024-10-27T03:00:00.000Z',
      ]);
    });

    it('finds the second occurrence when starting between the two', () => {
      const slots = takeSlots(
        cron('30 * * * *', 'Europe/Amsterdam'),
        at('2024-10-27T00:45:00Z'),
        2,
      );

      expect(iso(slots)).toEqual([
        '2024-10-27T01:30:00.000Z', // 02:30 CET
        '2024-10-27T02:30:00.000Z', // 03:30 CET
      ]);
    });

    it('fires a repeated-hour slot at its first occurrence', () => {
      const slots = takeSlots(
        cron('*/30 2 * * *', 'Europe/Amsterdam'),
        at('2024-10-26T23:50:00Z'),
        3,
      );

      expect(iso(slots)).toEqual([
        '2024-10-27T00:00:00.000Z', // 02:00 CEST
        '2024-10-27T00:30:00.000Z', // 02:30 CEST
        '2024-10-28T01:00:00.000Z', // next day, 02:00 CET
      ]);
    });
  });

  describe('America/Los_Angeles fall-back, 2024-11-03 02:00 PDT -> 01:00 PST', () => {
    it('fires a daily slot inside the repeated hour once, at its first occurrence', () => {
      const slots = takeSlots(
        cron('30 1 * * *', 'America/Los_Angeles'),
        at('2024-11-02T12:00:00Z'),
        2,
      );

      expect(iso(slots)).toEqual([
        '2024-11-03T08:30:00.000Z', // 01:30 PDT
        '2024-11-04T09:30:00.000Z', // 01:30 PST
      ]);
    });

    it('fires an hourly cron in each real hour', () => {
      const slots = takeSlots(
        cron('0 * * * *', 'America/Los_Angeles'),
        at('2024-11-03T07:30:00Z'),
        4,
      );

      expect(iso(slots)).toEqual([
        '2024-11-03T08:00:00.000Z', // 01:00 PDT
        '2024-11-03T09:00:00.000Z', // 01:00 PST
        '2024-11-03T10:00:00.000Z', // 02:00 PST
        '2024-11-03T11:00:00.000Z',
      ]);
    });

    it('fires a 6-field cron in the first occurrence only', () => {
      const slots = takeSlots(
        cron('*/20 59 1 * * *', 'America/Los_Angeles'),
        at('2024-11-03T08:00:00Z'),
        4,
      );

      expect(iso(slots)).toEqual([
        '2024-11-03T08:59:00.000Z', // 01:59:00 PDT
        '2024-11-03T08:59:20.000Z',
        '2024-11-03T08:59:40.000Z',
        '2024-11-04T09:59:00.000Z', // hour field 1 only: not at 01:59 PST
      ]);
    });
  });

  describe('6-field crons', () => {
    it('reads the first field as seconds', () => {
      const slots = takeSlots(
        cron('*/15 * * * * *', 'UTC'),
        at('2025-01-01T00:00:01Z'),
        3,
      );

      expect(iso(slots)).toEqual([
        '2025-01-01T00:00:15.000Z',
        '2025-01-01T00:00:30.000Z',
        '2025-01-01T00:00:45.000Z',
      ]);
    });

    it('includes a slot exactly at the starting instant', () => {
      expect(
        firstSlotFrom(cron('0 0 12 * * *', 'UTC'), at('2025-01-01T12:00:00Z')),
      ).toEqual(at('2025-01-01T12:00:00Z'));
    });
  });

  describe('bounds and kinds', () => {
    it('keeps cron slots within startAt and endAt, both inclusive', () => {
      const slots = takeSlots(
        {
          ...cron('0 9 * * *', 'Europe/Amsterdam'),
          startAt: at('2025-06-02T07:00:00Z'),
          endAt: at('2025-06-04T07:00:00Z'),
        },
        at('2025-06-01T00:00:00Z'),
        10,
      );

      expect(iso(slots)).toEqual([
        '2025-06-02T07:00:00.000Z',
        '2025-06-03T07:00:00.000Z',
        '2025-06-04T07:00:00.000Z',
      ]);
    });

    it('anchors interval slots on the anchor, not on the starting instant', () => {
      const slots = takeSlots(
        {
          timing: {
            kind: 'every',
            everyMs: 60_000,
            anchor: at('2025-01-01T00:00:10Z'),
          },
        },
        at('2025-01-01T00:05:00Z'),
        2,
      );

      expect(iso(slots)).toEqual([
        '2025-01-01T00:05:10.000Z',
        '2025-01-01T00:06:10.000Z',
      ]);
    });

    it('starts an interval at its anchor when asked from before it', () => {
      const slots = takeSlots(
        {
          timing: {
            kind: 'every',
            everyMs: 1000,
            anchor: at('2025-01-01T00:00:00Z'),
          },
          endAt: at('2025-01-01T00:00:02Z'),
        },
        at('2024-12-31T00:00:00Z'),
        10,
      );

      expect(iso(slots)).toEqual([
        '2025-01-01T00:00:00.000Z',
        '2025-01-01T00:00:01.000Z',
        '2025-01-01T00:00:02.000Z',
      ]);
    });

    it('gives runAt one slot within the bounds', () => {
      const once: SlotSpec = {
        timing: { kind: 'at', runAt: at('2025-01-01T10:00:00Z') },
      };

      expect(iso(takeSlots(once, at('2025-01-01T00:00:00Z'), 5))).toEqual([
        '2025-01-01T10:00:00.000Z',
      ]);
      expect(takeSlots(once, at('2025-01-01T10:00:01Z'), 5)).toEqual([]);
      expect(
        takeSlots(
          { ...once, endAt: at('2025-01-01T09:00:00Z') },
          at('2025-01-01T00:00:00Z'),
          5,
        ),
      ).toEqual([]);
    });
  });

  describe('validation', () => {
    it('accepts 5 and 6 fields and rejects other counts or bad values', () => {
      expect(cronError('0 3 * * *')).toBeNull();
      expect(cronError('*/10 0 3 * * 1-5')).toBeNull();
      expect(cronError('* * * *')).toContain('5 or 6 fields');
      expect(cronError('0 0 0 1 1 * 2030')).toContain('5 or 6 fields');
      expect(cronError('61 * * * *')).toContain('cron is invalid');
      expect(cronError('0 0 30 2 *')).toContain('cron is invalid');
    });

    it('knows IANA zones', () => {
      expect(isValidTimeZone('Europe/Amsterdam')).toBe(true);
      expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    });
  });
});

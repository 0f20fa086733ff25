/**
 * The access log's time field, `06/Feb/2019:00:00:38 +0000`, read by hand: it is on every line,
 * and `Date.parse` neither accepts this layout nor is cheap. Offsets other than +0000 are honoured.
 */

const CHAR_0 = 48;
const MINUTE_MS = 60_000;

/** Two ASCII digits at `at` as a number, or NaN. Works on char codes: no substring is made. */
function twoDigits(text: string, at: number): number {
  const high = text.charCodeAt(at) - CHAR_0;
  const low = text.charCodeAt(at + 1) - CHAR_0;
  // Unsigned compare folds "< 0 or > 9" into one test; NaN (past the end) fails it too.
  if (!(high >>> 0 <= 9 && low >>> 0 <= 9)) return NaN;
  return high * 10 + low;
}

/** Month index 0..11 from the three letters at `at` (`Jan`..`Dec`), or -1. */
function monthIndex(text: string, at: number): number {
  // Packs the three char codes into one integer and switches on it: no substring, no map lookup.
  const key = (text.charCodeAt(at) << 16) | (text.charCodeAt(at + 1) << 8) | text.charCodeAt(at + 2);
  switch (key) {
    case 0x4a616e:
      return 0; // Jan
    case 0x466562:
      return 1; // Feb
    case 0x4d6172:
      return 2; // Mar
    case 0x417072:
      return 3; // Apr
    case 0x4d6179:
      return 4; // May
    case 0x4a756e:
      return 5; // Jun
    case 0x4a756c:
      return 6; // Jul
    case 0x417567:
      return 7; // Aug
    case 0x536570:
      return 8; // Sep
    case 0x4f6374:
      return 9; // Oct
    case 0x4e6f76:
      return 10; // Nov
    case 0x446563:
      return 11; // Dec
    default:
      return -1;
  }
}

/**
 * Milliseconds since the epoch for the time text starting at `at` (just after `[`), or NaN when the
 * text is not exactly `dd/Mon/yyyy:HH:MM:SS ±hhmm` with in-range values.
 */
export function parseAccessLogTime(text: string, at: number): number {
  if (
    text.charCodeAt(at + 2) !== 0x2f /* / */ ||
    text.charCodeAt(at + 6) !== 0x2f ||
    text.charCodeAt(at + 11) !== 0x3a /* : */ ||
    text.charCodeAt(at + 14) !== 0x3a ||
    text.charCodeAt(at + 17) !== 0x3a ||
    text.charCodeAt(at + 20) !== 0x20 /* space */
  ) {
    return NaN;
  }
  const day = twoDigits(text, at);
  const month = monthIndex(text, at + 3);
  const year = twoDigits(text, at + 7) * 100 + twoDigits(text, at + 9);
  const hour = twoDigits(text, at + 12);
  const minute = twoDigits(text, at + 15);
  const second = twoDigits(text, at + 18);
  const sign = text.charCodeAt(at + 21);
  const offsetMinutes = twoDigits(text, at + 22) * 60 + twoDigits(text, at + 24);
  if (
    !(day >= 1 && day <= daysInMonth(year, month)) ||
    month < 0 ||
    !(hour <= 23 && minute <= 59 && second <= 60) ||
    !(offsetMinutes <= 18 * 60) ||
    (sign !== 0x2b /* + */ && sign !== 0x2d) /* - */
  ) {
    return NaN; // NaN comparisons are false, so any non-digit lands here too.
  }
  const local = (daysSinceEpoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000;
  // Local time = UTC + offset, so UTC = local - offset.
  return sign === 0x2b ? local - offsetMinutes * MINUTE_MS : local + offsetMinutes * MINUTE_MS;
}

/**
 * Days from 1970-01-01 to a civil date (proleptic Gregorian), by integer arithmetic: H. Hinnant's
 * days_from_civil. Cheaper than Date.UTC, which this runs in place of on every line.
 */
function daysSinceEpoch(year: number, monthIndex: number, day: number): number {
  const month = monthIndex + 1;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** `2019-02-06 00:00:38.000000000`: UTC, nanosecond precision, as Panther writes timestamps. */
export function formatPantherTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2019-02-06T00:00:38.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000`;
}

/**
 * `formatPantherTime` with a one-entry memo. Neighbouring lines of a log share their second, and
 * the records of a run share parse times, so most calls return the previous string. Use one per
 * kind of time, so that the two do not evict each other.
 */
export function memoizedPantherTimeFormatter(): (ms: number) => string {
  let lastMs = NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      last = formatPantherTime(ms);
      lastMs = ms;
    }
    return last;
  };
}

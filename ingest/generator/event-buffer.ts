/**
 * Columnar, growable buffer of generated rows (typed arrays, no object per
 * row) that hands them back one UTC day at a time in timestamp order. Rows
 * of later days (a session running past midnight) stay buffered until their
 * day is drained, so memory is bounded by about one day of rows.
 *
 * Sorting packs (time within the day, insertion index) into one float64 key
 * and uses the native typed-array sort: ties keep insertion order, so the
 * output is deterministic.
 */

const MS_PER_DAY = 86_400_000;
const INDEX_BITS = 26;
const INDEX_SPAN = 2 ** INDEX_BITS; // 27 bits of ms-of-day + 26 bits of index = 53 bits: exact in a float64
/** Most rows one day may hold (67,108,864). */
export const MAX_ROWS_PER_DAY = INDEX_SPAN;

export class EventBuffer {
  length = 0;
  time: Float64Array;
  session: Float64Array;
  /** Integer payload columns (item index, category or price, quantity). */
  readonly values: Uint32Array[];

  constructor(valueColumns: number, capacity = 1 << 16) {
    this.time = new Float64Array(capacity);
    this.session = new Float64Array(capacity);
    this.values = Array.from({ length: valueColumns }, () => new Uint32Array(capacity));
  }

  /** Appends a row; `a`, `b`, `c` fill the first value columns. */
  push(time: number, session: number, a: number, b: number, c = 0): void {
    if (this.length === this.time.length) this.grow();
    const i = this.length++;
    this.time[i] = time;
    this.session[i] = session;
    const values = this.values;
    values[0]![i] = a;
    if (values.length > 1) values[1]![i] = b;
    if (values.length > 2) values[2]![i] = c;
  }

  /**
   * Removes the rows of the day starting at `dayStart` (and any earlier one)
   * and returns their indices in the buffer *before* removal, sorted by time,
   * through `visit`, which must read the columns synchronously.
   */
  drainDay(dayStart: number, visit: (order: Float64Array, buffer: EventBuffer) => void): number {
    const dayEnd = dayStart + MS_PER_DAY;
    const n = this.length;
    let count = 0;
    for (let i = 0; i < n; i++) if (this.time[i]! < dayEnd) count++;
    if (count > MAX_ROWS_PER_DAY || n > MAX_ROWS_PER_DAY) {
      throw new RangeError(`more than ${MAX_ROWS_PER_DAY} rows in one day; spread the data over more days`);
    }
    const keys = new Float64Array(count);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const t = this.time[i]!;
      if (t >= dayEnd) continue;
      if (t < dayStart) throw new RangeError(`row at ${t} precedes the day being drained (${dayStart}); days must be drained in order`);
      keys[k++] = (t - dayStart) * INDEX_SPAN + i;
    }
    keys.sort();
    for (let j = 0; j < count; j++) keys[j] = keys[j]! % INDEX_SPAN;
    visit(keys, this);
    this.compact(dayEnd);
    return count;
  }

  /** Keeps only rows at or after `from`, in their order. */
  private compact(from: number): void {
    let kept = 0;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      if (this.time[i]! < from) continue;
      if (kept !== i) {
        this.time[kept] = this.time[i]!;
        this.session[kept] = this.session[i]!;
        for (const column of this.values) column[kept] = column[i]!;
      }
      kept++;
    }
    this.length = kept;
  }

  private grow(): void {
    const capacity = this.time.length * 2;
    const time = new Float64Array(capacity);
    time.set(this.time);
    this.time = time;
    const session = new Float64Array(capacity);
    session.set(this.session);
    this.session = session;
    for (let c = 0; c < this.values.length; c++) {
      const column = new Uint32Array(capacity);
      column.set(this.values[c]!);
      this.values[c] = column;
    }
  }
}

/**
 * State of one open window of one session and one rule: the click count and
 * the exact distinct items.
 *
 * Distinct items are kept in a small array up to SMALL_DISTINCT entries (a
 * linear scan beats hashing there, and most windows of real sessions hold a
 * few clicks); beyond that they move to a Set. The count is exact because
 * unique_items is part of the output row and must agree with the batch side;
 * memory per window is bounded by min(click_count, item catalogue ≈ 52.7k).
 *
 * Windows of one session form a singly linked list (`next`), and closed
 * windows are recycled by the engine (`reset`), so steady-state counting
 * allocates nothing for windows that stay small.
 */
const SMALL_DISTINCT = 8;

export class OpenWindow {
  clickCount = 0;
  /** Next window of the same session. */
  next: OpenWindow | null = null;
  private distinct = 0;
  private readonly small: number[] = [];
  private items: Set<number> | null = null;

  constructor(
    public sessionId: number,
    public ruleIndex: number,
    public startMs: number,
    public endMs: number,
  ) {}

  /** Makes a recycled window empty and gives it a new identity. */
  reset(sessionId: number, ruleIndex: number, startMs: number, endMs: number): void {
    this.sessionId = sessionId;
    this.ruleIndex = ruleIndex;
    this.startMs = startMs;
    this.endMs = endMs;
    this.clickCount = 0;
    this.next = null;
    this.distinct = 0;
    this.items = null;
  }

  add(itemId: number): void {
    this.clickCount++;
    if (this.items !== null) {
      this.items.add(itemId);
      return;
    }
    const small = this.small;
    const n = this.distinct;
    for (let i = 0; i < n; i++) if (small[i] === itemId) return;
    if (n < SMALL_DISTINCT) {
      small[n] = itemId;
      this.distinct = n + 1;
    } else {
      const items = new Set<number>();
      for (let i = 0; i < n; i++) items.add(small[i]!);
      this.items = items.add(itemId);
    }
  }

  uniqueItems(): number {
    return this.items !== null ? this.items.size : this.distinct;
  }

  /** Distinct items, ascending (for snapshots). */
  itemList(): number[] {
    const list = this.items !== null ? [...this.items] : this.small.slice(0, this.distinct);
    return list.sort((a, b) => a - b);
  }

  /** Sets the content from a snapshot entry (items distinct, clickCount ≥ items.length). */
  load(clickCount: number, items: readonly number[]): void {
    this.clickCount = clickCount;
    if (items.length > SMALL_DISTINCT) {
      this.items = new Set(items);
      this.distinct = 0;
    } else {
      this.items = null;
      for (let i = 0; i < items.length; i++) this.small[i] = items[i]!;
      this.distinct = items.length;
    }
  }
}

/**
 * State of one open window of one session and one rule: the click count and
 * the exact set of distinct items.
 *
 * The Set is created only when a second distinct item arrives (most windows
 * of real sessions hold one or two clicks). It is exact because unique_items
 * is part of the output row and must agree with the batch side; its size is
 * bounded by min(click_count, item catalogue) (≈ 52.7k items in YOOCHOOSE).
 */
export class OpenWindow {
  clickCount = 0;
  private firstItem = 0;
  private items: Set<number> | null = null;

  constructor(
    readonly sessionId: number,
    readonly ruleIndex: number,
    readonly startMs: number,
    readonly endMs: number,
  ) {}

  add(itemId: number): void {
    if (this.items !== null) this.items.add(itemId);
    else if (this.clickCount === 0) this.firstItem = itemId;
    else if (itemId !== this.firstItem) this.items = new Set<number>().add(this.firstItem).add(itemId);
    this.clickCount++;
  }

  uniqueItems(): number {
    return this.items !== null ? this.items.size : this.clickCount > 0 ? 1 : 0;
  }

  /** Distinct items, ascending (for snapshots). */
  itemList(): number[] {
    if (this.items !== null) return [...this.items].sort((a, b) => a - b);
    return this.clickCount > 0 ? [this.firstItem] : [];
  }

  /** Rebuilds a window from a snapshot entry. */
  static restore(sessionId: number, ruleIndex: number, startMs: number, endMs: number, clickCount: number, items: readonly number[]): OpenWindow {
    const window = new OpenWindow(sessionId, ruleIndex, startMs, endMs);
    window.firstItem = items[0] ?? 0;
    window.items = items.length > 1 ? new Set(items) : null;
    window.clickCount = clickCount;
    return window;
  }
}

/**
 * Values grouped by deadline, taken out in deadline order. Window ends are
 * aligned to the slide, so there are few distinct deadlines: a min-heap of
 * the distinct deadlines plus one array per deadline makes add O(1)
 * amortised (O(log d) for a new deadline) and finding what is due O(1),
 * never a scan of all open windows.
 */
export class DeadlineBuckets<V> {
  private readonly heap: number[] = [];
  private readonly buckets = new Map<number, V[]>();

  add(deadline: number, value: V): void {
    const bucket = this.buckets.get(deadline);
    if (bucket !== undefined) {
      bucket.push(value);
      return;
    }
    this.buckets.set(deadline, [value]);
    this.push(deadline);
  }

  /** The smallest deadline held, or +Infinity when empty. */
  nextDeadline(): number {
    return this.heap.length > 0 ? this.heap[0]! : Infinity;
  }

  /** Removes and returns the bucket of the smallest deadline if it is ≤ limit. */
  takeDue(limit: number): { deadline: number; values: V[] } | undefined {
    if (this.heap.length === 0 || this.heap[0]! > limit) return undefined;
    const deadline = this.pop();
    const values = this.buckets.get(deadline)!;
    this.buckets.delete(deadline);
    return { deadline, values };
  }

  private push(value: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= value) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = value;
  }

  private pop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= last) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/**
 * A bounded FIFO: pushing beyond the capacity drops the oldest entries (the caller counts
 * them). Amortised O(1): the consumed head is compacted away once it is half the array.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number { return this.items.length - this.head; }

  /** Append; returns how many of the oldest entries were dropped to make room (0 or 1). */
  push(item: T): number {
    this.items.push(item);
    let dropped = 0;
    while (this.size > this.capacity) { this.head++; dropped++; }
    this.compact();
    return dropped;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head++];
    this.compact();
    return item;
  }

  private compact(): void {
    if (this.head > 0 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

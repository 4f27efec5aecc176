/**
 * Releases items in sequence order although parallel workers finish them out of order. A
 * missing sequence number is waited for at most windowMs (its frame may have failed); items
 * arriving after their turn has passed are returned as late (the caller drops them).
 */
export class ReorderBuffer<T> {
  private readonly pending = new Map<number, { item: T; at: number }>();
  private next: number | undefined;
  late = 0;

  constructor(private readonly windowMs: number) {}

  push(seq: number, item: T, now: number): T[] {
    if (this.next !== undefined && seq < this.next) { this.late++; return []; }
    this.pending.set(seq, { item, at: now });
    this.next ??= seq;
    return this.drain(now);
  }

  /** Release what is ready, skipping gaps that have been waited on long enough. */
  drain(now: number): T[] {
    const out: T[] = [];
    for (;;) {
      if (this.next === undefined || this.pending.size === 0) return out;
      const hit = this.pending.get(this.next);
      if (hit) {
        this.pending.delete(this.next);
        out.push(hit.item);
        this.next++;
        continue;
      }
      const oldest = Math.min(...this.pending.keys());
      if (now - this.pending.get(oldest)!.at < this.windowMs) return out;
      this.next = oldest;
    }
  }

  /** Everything still held, in order (shutdown). */
  flush(): T[] {
    const items = [...this.pending.entries()].sort((a, b) => a[0] - b[0]);
    this.pending.clear();
    if (items.length) this.next = items[items.length - 1]![0] + 1;
    return items.map(([, v]) => v.item);
  }
}

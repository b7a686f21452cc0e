/**
 * A binary min-heap keyed by string, with O(log n) update and delete by key (what upstream's scheduling queue
 * keeps its active and backoff queues in).
 */

/** A keyed heap; `less(a, b)` orders it (the least item pops first). */
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly keyOf: (item: T) => string, private readonly less: (a: T, b: T) => boolean) {}

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** True if an item with `key` is queued. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** The item with `key`. */
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** Adds or replaces (re-ordering) the item with this key. */
  push(item: T): void {
    const key = this.keyOf(item);
    const i = this.index.get(key);
    if (i !== undefined) {
      this.items[i] = item;
      this.fix(i);
      return;
    }
    this.items.push(item);
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** The least item without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes and returns the least item. */
  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Removes the item with `key`; returns it. */
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = this.items[i];
    this.removeAt(i);
    return item;
  }

  /** Every item, in no particular order. */
  values(): T[] {
    return [...this.items];
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    this.index.delete(this.keyOf(this.items[i]));
    if (i !== last) {
      this.items[i] = this.items[last];
      this.index.set(this.keyOf(this.items[i]), i);
    }
    this.items.pop();
    if (i < this.items.length) this.fix(i);
  }

  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    this.items[i] = this.items[j];
    this.items[j] = a;
    this.index.set(this.keyOf(this.items[i]), i);
    this.index.set(this.keyOf(this.items[j]), j);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      if (l + 1 < n && this.less(this.items[l + 1], this.items[l])) m = l + 1;
      if (!this.less(this.items[m], this.items[i])) break;
      this.swap(i, m);
      i = m;
    }
    return i > i0;
  }
}

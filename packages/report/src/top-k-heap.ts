/** A bounded min-heap keeping the `capacity` largest items by `value` (ties: the earlier item stays). */
export class TopKHeap<T extends { value: number }> {
  readonly #items: T[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#items.length;
  }

  /** The smallest value kept, or −Infinity while the heap has room. */
  get threshold(): number {
    return this.#items.length < this.capacity ? -Infinity : this.#items[0]!.value;
  }

  /** Offer an item; true if it was kept. */
  push(item: T): boolean {
    const a = this.#items;
    if (a.length < this.capacity) {
      a.push(item);
      this.#up(a.length - 1);
      return true;
    }
    if (this.capacity === 0 || item.value <= a[0]!.value) return false;
    a[0] = item;
    this.#down(0);
    return true;
  }

  /** Items, largest value first. */
  sorted(): T[] {
    return [...this.#items].sort((x, y) => y.value - x.value);
  }

  #up(i: number): void {
    const a = this.#items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.value <= a[i]!.value) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  #down(i: number): void {
    const a = this.#items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.value < a[m]!.value) m = l;
      if (r < a.length && a[r]!.value < a[m]!.value) m = r;
      if (m === i) return;
      [a[m], a[i]] = [a[i]!, a[m]!];
      i = m;
    }
  }
}

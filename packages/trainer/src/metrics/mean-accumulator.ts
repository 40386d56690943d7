/** A running mean that is read and reset at once (per logging interval). */
export class MeanAccumulator {
  #sum = 0;
  #count = 0;

  add(value: number): void {
    this.#sum += value;
    this.#count++;
  }

  /** The mean of the values added since the last take (0 when none were), then start over. */
  takeMean(): number {
    const mean = this.#count === 0 ? 0 : this.#sum / this.#count;
    this.#sum = 0;
    this.#count = 0;
    return mean;
  }
}

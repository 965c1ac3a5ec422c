/**
 * A latency histogram in the HdrHistogram style: log-linear buckets with a fixed number
 * of significant digits, so recording is O(1) without allocation and percentiles carry a
 * bounded relative error (0.1% with 3 digits) from microseconds to hours.
 */
export class Histogram {
  private readonly subBucketCount: number;
  private readonly subBucketHalfCountMagnitude: number;
  private readonly subBucketMask: number;
  private readonly counts: Float64Array;
  private total = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = 0;
  private sum = 0;

  /**
   * @param highestTrackable largest value recorded exactly (larger ones are clamped)
   * @param significantDigits 1..5; precision of each bucket
   */
  constructor(
    readonly highestTrackable = 3_600_000_000,
    significantDigits = 3,
  ) {
    if (significantDigits < 1 || significantDigits > 5)
      throw new RangeError("significantDigits 1..5");
    const largestSingleUnit = 2 * 10 ** significantDigits;
    const subBucketCountMagnitude = Math.ceil(Math.log2(largestSingleUnit));
    this.subBucketHalfCountMagnitude = Math.max(subBucketCountMagnitude, 1) - 1;
    this.subBucketCount = 2 ** (this.subBucketHalfCountMagnitude + 1);
    this.subBucketMask = this.subBucketCount - 1;
    let bucketsNeeded = 1;
    let smallestUntrackable = this.subBucketCount;
    while (smallestUntrackable <= highestTrackable) {
      smallestUntrackable *= 2;
      bucketsNeeded++;
    }
    this.counts = new Float64Array((bucketsNeeded + 1) * (this.subBucketCount / 2));
  }

  /** Records one value (an integer unit such as microseconds; fractions are floored). */
  record(value: number, count = 1): void {
    const v = Math.max(0, Math.min(Math.floor(value), this.highestTrackable));
    const index = this.indexOf(v);
    this.counts[index] = (this.counts[index] ?? 0) + count;
    this.total += count;
    this.sum += v * count;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  get count(): number {
    return this.total;
  }
  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }
  get max(): number {
    return this.maxValue;
  }
  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The value at percentile `p` (0..100): the highest value of the bucket that reaches it. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const target = Math.max(1, Math.ceil((Math.min(p, 100) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= target) return Math.min(this.highestValueAt(i), this.maxValue);
    }
    return this.maxValue;
  }

  /** Adds another histogram of the same shape (per-client histograms into a total). */
  add(other: Histogram): void {
    if (other.counts.length !== this.counts.length) throw new RangeError("histogram shapes differ");
    for (let i = 0; i < other.counts.length; i++) {
      this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    }
    this.total += other.total;
    this.sum += other.sum;
    if (other.total > 0) {
      this.minValue = Math.min(this.minValue, other.minValue);
      this.maxValue = Math.max(this.maxValue, other.maxValue);
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.minValue = Number.POSITIVE_INFINITY;
    this.maxValue = 0;
  }

  private indexOf(v: number): number {
    // Bucket b covers [subBucketCount/2 * 2^b, subBucketCount * 2^b) for b > 0, with
    // subBucketCount/2 linear sub-buckets each; bucket 0 covers [0, subBucketCount) exactly.
    const bucket = Math.max(
      0,
      Math.floor(Math.log2(Math.max(v, this.subBucketMask))) - this.subBucketHalfCountMagnitude,
    );
    const sub = Math.floor(v / 2 ** bucket);
    return bucket === 0
      ? sub
      : (bucket + 1) * (this.subBucketCount / 2) + (sub - this.subBucketCount / 2);
  }

  private highestValueAt(index: number): number {
    const half = this.subBucketCount / 2;
    if (index < this.subBucketCount) return index;
    const bucket = Math.floor(index / half) - 1;
    const sub = (index % half) + half;
    return (sub + 1) * 2 ** bucket - 1;
  }
}

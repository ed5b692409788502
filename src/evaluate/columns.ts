/**
 * Growable typed-array columns. Records are kept column-wise in typed arrays
 * (8 bytes for a timestamp, 4 for an id, …) instead of one object per
 * record: 90 M objects would not fit in memory and would keep the garbage
 * collector busy. Capacity doubles, so appends are amortised O(1).
 */
type TypedArray = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type Ctor<T extends TypedArray> = { new (n: number): T };

export function grow<T extends TypedArray>(a: T, ctor: Ctor<T>, need: number): T {
  if (need <= a.length) return a;
  let cap = Math.max(1024, a.length * 2);
  while (cap < need) cap *= 2;
  const b = new ctor(cap);
  b.set(a as never);
  return b;
}

export class F64Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, Float64Array, this.length + 1);
    this.data[this.length++] = v;
  }
  /** Append the first n values of `src`. */
  append(src: Float64Array, n: number): void {
    if (this.length + n > this.data.length) this.data = grow(this.data, Float64Array, this.length + n);
    this.data.set(src.subarray(0, n), this.length);
    this.length += n;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

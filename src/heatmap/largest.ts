/**
 * Marks which of `values` are among the `limit` largest (ties go to the earlier ones). Linear time on a
 * typed copy: heatmaps pick 10k of ~50k cells and 200 of up to 50k markers on every build.
 */
export function largestMask(values: Float64Array, limit: number): Uint8Array {
  const n = values.length;
  const keep = new Uint8Array(n);
  if (n <= limit) return keep.fill(1);
  const threshold = select(values.slice(), n - limit);
  let ties = limit;
  for (let i = 0; i < n; i++) if (values[i]! > threshold) ties--;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    if (value > threshold || (value === threshold && ties-- > 0)) keep[i] = 1;
  }
  return keep;
}

/** The k-th smallest (0-based) of `a`, reordering it: Hoare's quickselect. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** How the bench's reports compute and print their figures. */

/** The p-th percentile of sorted values, by nearest rank (NaN when there are none). */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!

/** A whole number with thousands separators ("—" when it is not finite). */
export const int = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—")

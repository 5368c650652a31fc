/**
 * Index keys, encoded as text that sorts the same way everywhere: in memory, in SQLite (`BINARY`
 * collation) and in PostgreSQL (`COLLATE "C"`), all of which compare UTF-8 bytes. A key is a tuple of
 * components, compared one by one, numbers before strings, and a shorter tuple before its extensions.
 */

/** The key a document is listed under: strings and finite numbers. */
export type IndexKey = ReadonlyArray<string | number>

// Each component ends with \u0001; inside strings \u0000, \u0001 and \u0002 are escaped with \u0002,
// so the terminator sorts below any content and PostgreSQL (which refuses NUL in text) can store it.
const terminator = "\u0001"

const encodeNumber = (n: number): string => {
  if (!Number.isFinite(n)) throw new RangeError(`index keys hold finite numbers, got ${n}`)
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, n === 0 ? 0 : n) // -0 and 0 are one key
  let high = view.getUint32(0)
  let low = view.getUint32(4)
  // IEEE 754 bits sort like the numbers once positives get the sign bit set and negatives are flipped.
  if (high & 0x80000000) {
    high = ~high >>> 0
    low = ~low >>> 0
  } else {
    high = (high | 0x80000000) >>> 0
  }
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0")
}

const escapeString = (s: string): string => {
  let out = ""
  for (const c of s) {
    const code = c.charCodeAt(0)
    out += code <= 2 ? `\u0002${String.fromCharCode(code + 3)}` : c
  }
  return out
}

/** One component with its terminator. */
export const encodeComponent = (component: string | number): string =>
  typeof component === "number"
    ? `1${encodeNumber(component)}${terminator}`
    : `2${escapeString(component)}${terminator}`

/** A whole key. */
export const encode = (key: IndexKey): string => key.map(encodeComponent).join("")

/** Sorts after every key that starts with `prefix` (each component starts with "1" or "2"). */
export const upperBound = (prefix: string): string => `${prefix}3`

/** Compares two encoded keys by code point, which is UTF-8 byte order, as the SQL stores compare. */
export const compare = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF in UTF-8 but not in UTF-16.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

/** The keys an index function returned: one key, several, or none (undefined or empty). */
export const keysOf = (value: IndexKey | ReadonlyArray<IndexKey> | undefined): ReadonlyArray<IndexKey> => {
  if (value === undefined || value.length === 0) return []
  return Array.isArray(value[0]) ? (value as ReadonlyArray<IndexKey>) : [value as IndexKey]
}

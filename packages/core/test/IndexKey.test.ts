/** Index keys sort like the tuples they encode, in memory and as the SQL stores compare (UTF-8 bytes). */
import { IndexKey } from "@stint/core"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"

type Component = string | number

const compareComponent = (a: Component, b: Component): number => {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1
  if (typeof a === "number") return a < (b as number) ? -1 : a > (b as number) ? 1 : 0
  // Code point order: what UTF-8 byte order is.
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b as string, "utf8"))
}

const compareTuple = (a: ReadonlyArray<Component>, b: ReadonlyArray<Component>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareComponent(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}

const component = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom("", "\u0000", "\u0001", "\u0002", "\u0003", "a", "a\u0000", "\uffff", "\u{10000}"),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE)
)
const key = fc.array(component, { maxLength: 4 })
const sign = (n: number) => Math.sign(n) || 0

describe("IndexKey", () => {
  it.prop("encoded keys compare like their tuples", [key, key], ([a, b]) => {
    const expected = sign(compareTuple(a, b))
    assert.strictEqual(sign(IndexKey.compare(IndexKey.encode(a), IndexKey.encode(b))), expected)
    // And as bytes, the order of SQLite's BINARY and PostgreSQL's "C" collation.
    const bytes = Buffer.compare(Buffer.from(IndexKey.encode(a), "utf8"), Buffer.from(IndexKey.encode(b), "utf8"))
    assert.strictEqual(sign(bytes), expected)
  })

  it.prop("a prefix's bounds hold exactly the keys that extend it", [key, key], ([prefix, rest]) => {
    const p = IndexKey.encode(prefix)
    const k = IndexKey.encode([...prefix, ...rest])
    assert.isTrue(IndexKey.compare(k, p) >= 0 && IndexKey.compare(k, IndexKey.upperBound(p)) < 0)
  })

  it.prop("no encoded key holds NUL (PostgreSQL text cannot)", [key], ([k]) => {
    assert.isFalse(IndexKey.encode(k).includes("\u0000"))
  })
})

/**
 * A list query as the projection store answers it: bounds encoded as index keys (see `IndexKey`),
 * and the opaque cursor a page returns.
 */
import * as Either from "effect/Either"
import * as IndexKey from "../projection/IndexKey.js"
import type { AnyProjection } from "../projection/Projections.js"
import { type EncodedQuery, InvalidQuery, type ListQuery } from "../projection/ProjectionStore.js"

/** Encodes a list query's bounds (see `IndexKey`), refusing what the store could not answer. */
export const encodeQuery = (projection: AnyProjection, query: ListQuery): Either.Either<EncodedQuery, InvalidQuery> => {
  const invalid = (reason: string) => Either.left(new InvalidQuery({ projection: projection.name, reason }))
  const limit = query.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return invalid("limit must be an integer from 1 to 1000")
  const direction = query.direction ?? "asc"
  let after: EncodedQuery["after"]
  if (query.cursor !== undefined) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(query.cursor, "base64url").toString("utf8"))
      if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === "string")) throw 0
      after = { key: parsed[0], id: parsed[1] }
    } catch {
      return invalid("the cursor is not one this store returned")
    }
  }
  const components = [...(query.prefix ?? []), query.range?.gte, query.range?.lt]
  for (const c of components) {
    if (c !== undefined && typeof c !== "string" && !(typeof c === "number" && Number.isFinite(c))) {
      return invalid("key components are strings and finite numbers")
    }
  }
  if (query.index === undefined) {
    // Listed by id: the key is the id itself, and only a range of ids applies.
    if ((query.prefix ?? []).length > 0) return invalid("a prefix needs an index; without one documents list by id")
    const { gte, lt } = query.range ?? {}
    if ((gte !== undefined && typeof gte !== "string") || (lt !== undefined && typeof lt !== "string")) {
      return invalid("ids are strings")
    }
    return Either.right({ index: undefined, low: gte ?? "", high: lt ?? "\u{10FFFF}", direction, limit, after })
  }
  if (!Object.hasOwn(projection.indexes, query.index)) {
    const known = Object.keys(projection.indexes)
    return invalid(
      `it has no index ${JSON.stringify(query.index)}${known.length ? ` (its indexes: ${known.join(", ")})` : ""}`
    )
  }
  const prefix = IndexKey.encode(query.prefix ?? [])
  const { gte, lt } = query.range ?? {}
  return Either.right({
    index: query.index,
    low: gte === undefined ? prefix : prefix + IndexKey.encodeComponent(gte),
    high: lt === undefined ? IndexKey.upperBound(prefix) : prefix + IndexKey.encodeComponent(lt),
    direction,
    limit,
    after
  })
}

/** The cursor of the page after the item with this key and id. */
export const encodeCursor = (key: string, id: string): string =>
  Buffer.from(JSON.stringify([key, id]), "utf8").toString("base64url")

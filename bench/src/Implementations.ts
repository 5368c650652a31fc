/**
 * Which implementations run on which backend, and how each is built on a fresh place. Memory has no
 * driver, so its ceiling is a plain `Map`; Emmett's memory store is its peer there.
 */
import * as EmmettMemory from "./emmett/EmmettMemory.js"
import * as EmmettPg from "./emmett/EmmettPg.js"
import * as EmmettSqlite from "./emmett/EmmettSqlite.js"
import * as MemoryRaw from "./raw/MemoryRaw.js"
import * as PgRaw from "./raw/PgRaw.js"
import * as SqliteRaw from "./raw/SqliteRaw.js"
import * as StintDomain from "./stint/StintDomain.js"
import * as StintLikeForLike from "./stint/StintLikeForLike.js"
import type { Backend, Implementation, Make, Place } from "./Subject.js"

const sqliteFile = (place: Place): string => {
  if (place._tag !== "sqlite") throw new Error(`expected a SQLite place, got ${place._tag}`)
  return place.filename
}

const pgUrl = (place: Place): string => {
  if (place._tag !== "pg") throw new Error(`expected a PostgreSQL place, got ${place._tag}`)
  return place.url
}

/** Every implementation of a backend, in report order. */
export const byBackend: Readonly<Record<Backend, ReadonlyArray<readonly [Implementation, Make]>>> = {
  memory: [
    ["raw", () => MemoryRaw.make()],
    ["emmett", () => EmmettMemory.make()],
    ["stint", StintLikeForLike.make],
    ["stintDomain", StintDomain.make]
  ],
  sqlite: [
    ["raw", (place) => SqliteRaw.make(sqliteFile(place))],
    ["emmett", (place) => EmmettSqlite.makeDefault(sqliteFile(place))],
    ["emmettShared", (place) => EmmettSqlite.makeShared(sqliteFile(place))],
    ["stint", StintLikeForLike.make],
    ["stintDomain", StintDomain.make]
  ],
  pg: [
    ["raw", (place) => PgRaw.make(pgUrl(place))],
    ["emmett", (place) => EmmettPg.make(pgUrl(place))],
    ["stint", StintLikeForLike.make],
    ["stintDomain", StintDomain.make]
  ]
}

export const backends: ReadonlyArray<Backend> = ["memory", "sqlite", "pg"]

/**
 * Projection storage in memory: documents in maps, each index a sorted array of `(key, id)`. Each
 * build of the layer starts empty. Every operation is one synchronous step, so a commit (changes and
 * checkpoint) is atomic without locks.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Checkpoint from "../store/Checkpoint.js"
import { CheckpointConflict } from "../store/CheckpointStore.js"
import * as IndexKey from "./IndexKey.js"
import {
  type Generation,
  ProjectionStore,
  type ProjectionStoreShape,
  type StoredPage,
  type Target
} from "./ProjectionStore.js"

interface Entry {
  readonly key: string
  readonly id: string
}

interface Storage {
  generation: Generation
  readonly documents: Map<string, unknown>
  /** index name → entries sorted by (key, id); the id list is the index `""`. */
  readonly indexes: Map<string, Array<Entry>>
  /** id → the entries it is listed under, to remove them on change. */
  readonly keysOf: Map<string, ReadonlyArray<{ readonly index: string; readonly key: string }>>
}

const compareEntry = (a: Entry, b: Entry): number => IndexKey.compare(a.key, b.key) || IndexKey.compare(a.id, b.id)

/** The first position whose entry is not before `entry`. */
const lowerBound = (entries: ReadonlyArray<Entry>, entry: Entry): number => {
  let low = 0
  let high = entries.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareEntry(entries[middle]!, entry) < 0) low = middle + 1
    else high = middle
  }
  return low
}

/** Builds an empty store. */
export const make: Effect.Effect<ProjectionStoreShape> = Effect.sync(() => {
  const registry = new Map<string, Array<Storage>>()
  const leases = new Set<string>()
  const commits = Effect.unsafeMakeSemaphore(1)

  const storage = (target: Target): Storage | undefined =>
    registry.get(target.name)?.find((s) => s.generation.generation === target.generation)

  const servedOf = (name: string): Generation | undefined => {
    const list = registry.get(name) ?? []
    return (
      list.find((s) => s.generation.state === "live")?.generation ??
      list.filter((s) => s.generation.state === "building").at(-1)?.generation
    )
  }

  const missing = (target: Target) =>
    Effect.dieMessage(`projection ${target.name} has no generation ${target.generation}`)

  /** A rival's generation went live and retired this one: it must not come back. */
  const retired = (target: Target) =>
    Effect.fail(
      new CheckpointConflict({ name: `${target.name}#${target.generation}`, expected: "building", actual: "retired" })
    )

  const index = (s: Storage, name: string): Array<Entry> => {
    let entries = s.indexes.get(name)
    if (entries === undefined) {
      entries = []
      s.indexes.set(name, entries)
    }
    return entries
  }

  const writeOne = (s: Storage, id: string, document: unknown, keys: ReadonlyArray<{ index: string; key: string }>) => {
    for (const old of s.keysOf.get(id) ?? []) {
      const entries = index(s, old.index)
      const at = lowerBound(entries, { key: old.key, id })
      if (at < entries.length && entries[at]!.id === id && entries[at]!.key === old.key) entries.splice(at, 1)
    }
    const ids = index(s, "")
    const at = lowerBound(ids, { key: id, id })
    const present = at < ids.length && ids[at]!.id === id
    if (document === undefined) {
      s.documents.delete(id)
      s.keysOf.delete(id)
      if (present) ids.splice(at, 1)
      return
    }
    // Through JSON, as SQL stores keep them: a caller can never change a stored document in place.
    s.documents.set(id, JSON.parse(JSON.stringify(document)))
    if (!present) ids.splice(at, 0, { key: id, id })
    s.keysOf.set(id, keys)
    for (const { index: name, key } of keys) {
      const entries = index(s, name)
      entries.splice(lowerBound(entries, { key, id }), 0, { key, id })
    }
  }

  return ProjectionStore.of({
    generations: (name) => Effect.sync(() => (registry.get(name) ?? []).map((s) => s.generation)),
    create: (name, { inline, version }) =>
      Effect.sync(() => {
        const list = registry.get(name) ?? []
        const generation: Generation = {
          name,
          generation: (list[list.length - 1]?.generation.generation ?? 0) + 1,
          version,
          inline,
          state: "building",
          checkpoint: Checkpoint.start,
          eventsDone: 0
        }
        list.push({ generation, documents: new Map(), indexes: new Map(), keysOf: new Map() })
        registry.set(name, list)
        return generation
      }),
    served: (name) => Effect.sync(() => servedOf(name)),
    servedAll: (names) =>
      Effect.sync(() => {
        const found = new Map<string, Generation>()
        for (const name of names) {
          const generation = servedOf(name)
          if (generation !== undefined) found.set(name, generation)
        }
        return found
      }),
    getMany: (target, ids) =>
      Effect.suspend(() => {
        const s = storage(target)
        if (s === undefined) return missing(target)
        const found = new Map<string, unknown>()
        for (const id of ids) {
          const document = s.documents.get(id)
          if (document !== undefined) found.set(id, JSON.parse(JSON.stringify(document)))
        }
        return Effect.succeed(found)
      }),
    list: (target, query) =>
      Effect.suspend(() => {
        const s = storage(target)
        if (s === undefined) return missing(target)
        const entries = s.indexes.get(query.index ?? "") ?? []
        const items: Array<StoredPage["items"][number]> = []
        const inRange = (e: Entry) => IndexKey.compare(e.key, query.low) >= 0 && IndexKey.compare(e.key, query.high) < 0
        if (query.direction === "asc") {
          let i = query.after ? lowerBound(entries, query.after) : lowerBound(entries, { key: query.low, id: "" })
          if (query.after && i < entries.length && compareEntry(entries[i]!, query.after) === 0) i++
          for (; i < entries.length && items.length < query.limit && inRange(entries[i]!); i++) {
            const e = entries[i]!
            items.push({ id: e.id, key: e.key, document: JSON.parse(JSON.stringify(s.documents.get(e.id))) })
          }
        } else {
          let i =
            (query.after ? lowerBound(entries, query.after) : lowerBound(entries, { key: query.high, id: "" })) - 1
          for (; i >= 0 && items.length < query.limit && inRange(entries[i]!); i--) {
            const e = entries[i]!
            items.push({ id: e.id, key: e.key, document: JSON.parse(JSON.stringify(s.documents.get(e.id))) })
          }
        }
        return Effect.succeed({ items })
      }),
    commit: (target, changes, move, within) => {
      const check = Effect.suspend(() => {
        const s = storage(target)
        if (s === undefined) return missing(target)
        // A retired generation takes no more events (its runner learns it was replaced), nor does a
        // live inline one (appends keep it current: a late builder must not apply events again).
        const { state, inline } = s.generation
        const closed = state === "retired" || (state === "live" && inline)
        if (move !== undefined && (closed || Checkpoint.compare(s.generation.checkpoint, move.from) !== 0)) {
          return Effect.fail(
            new CheckpointConflict({
              name: `${target.name}#${target.generation}`,
              expected: Checkpoint.format(move.from),
              actual: closed ? state : Checkpoint.format(s.generation.checkpoint)
            })
          )
        }
        return Effect.succeed(s)
      })
      const write = (s: Storage) =>
        Effect.sync(() => {
          if (move !== undefined) {
            s.generation = { ...s.generation, checkpoint: move.to, eventsDone: s.generation.eventsDone + move.events }
          }
          for (const change of changes) writeOne(s, change.id, change.document, change.keys)
        })
      // Memory has no transaction to roll back: commits take turns, and `within` runs after the check
      // and before the write, so a failing one writes nothing here.
      return commits.withPermits(1)(
        Effect.flatMap(check, (s) => (within === undefined ? write(s) : Effect.zipRight(within, write(s))))
      )
    },
    // Between commits: a commit's `within` never writes into a generation retired under it.
    promote: (target) =>
      commits.withPermits(1)(
        Effect.suspend(() => {
          const list = registry.get(target.name) ?? []
          const promoted = storage(target)
          if (promoted === undefined) return missing(target)
          if (promoted.generation.state === "retired") return retired(target)
          // Already live (a co-builder switched first): a rebuild begun since must not be retired.
          if (promoted.generation.state === "live") return Effect.void
          for (const s of list) {
            const live = s.generation.generation === target.generation
            s.generation = { ...s.generation, state: live ? "live" : "retired" }
            if (!live) {
              s.documents.clear()
              s.indexes.clear()
              s.keysOf.clear()
            }
          }
          return Effect.void
        })
      ),
    exclusive: (effect) => effect,
    lease: (name) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          if (leases.has(name)) return false
          leases.add(name)
          return true
        }),
        (held) => Effect.sync(() => held && leases.delete(name))
      )
  })
})

/** Projection storage in memory: each build of the layer is new and empty. */
export const layer: Layer.Layer<ProjectionStore> = Layer.effect(ProjectionStore, make)

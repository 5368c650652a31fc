/**
 * Bad data in the store gives a typed `InvalidStoreData` naming the stream and version: a row whose
 * payload or metadata was corrupted, and an event whose payload no longer fits its schema.
 */
import { user } from "@stint/core/Actor"
import { Area, UserId } from "@stint/core/Ids"
import * as Policy from "@stint/core/Policy"
import { EventStore } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import type { InvalidStoreData } from "@stint/core/StoreError"
import * as Stint from "@stint/core/Stint"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import { appendRequest, freshStreamId, newEvent } from "@stint/testing/StoreContract"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { backends } from "./fixtures.js"

const expectInvalidAt = <R>(
  effect: Effect.Effect<unknown, { readonly _tag: string }, R>,
  streamId: string,
  version: number
) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "InvalidStoreData", `expected InvalidStoreData, got ${error._tag}`)
    const invalid = error as InvalidStoreData
    assert.deepStrictEqual({ streamId: invalid.streamId, version: invalid.version }, { streamId, version })
  })

for (const backend of backends) {
  describe.skipIf(backend.skip)(`bad data in the store, ${backend.name}`, () => {
    const withStore = <A, E>(body: Effect.Effect<A, E, EventStore | SqlClient.SqlClient>) =>
      Effect.gen(function* () {
        const database = yield* backend.database
        return yield* body.pipe(
          Effect.provide(SqlEventStore.layer().pipe(Layer.provideMerge(backend.client(database))))
        )
      }).pipe(Effect.scoped)

    /** Three events in a fresh stream; returns the stream id. */
    const threeEvents = Effect.gen(function* () {
      const store = yield* EventStore
      const streamId = freshStreamId("Corrupt")
      yield* store.append(
        appendRequest([
          { streamId, expected: ExpectedVersion.noStream, events: [newEvent("A"), newEvent("B"), newEvent("C")] }
        ])
      )
      return streamId
    })

    const readers = (streamId: string, version: number) =>
      Effect.gen(function* () {
        const store = yield* EventStore
        yield* expectInvalidAt(store.readStream(streamId as never), streamId, version)
        yield* expectInvalidAt(Stream.runCollect(store.readAll()), streamId, version)
        yield* expectInvalidAt(Stream.runCollect(store.subscribe()), streamId, version)
        // The events after it still read.
        const after = yield* store.readStream(streamId as never, { fromVersion: version + 1 })
        assert.deepStrictEqual(
          after.map((event) => event.version),
          [3]
        )
      })

    it.live("metadata that lost its actor: readStream, readAll and subscribe name the stream and version", () =>
      withStore(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const streamId = yield* threeEvents
          yield* sql`UPDATE stint_events SET metadata = ${'{"actor":42}'} WHERE stream_id = ${streamId} AND version = 2`
          yield* readers(streamId, 2)
        })
      )
    )

    if (backend.name === "SQLite") {
      it.live("a payload that is no longer JSON text", () =>
        withStore(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const streamId = yield* threeEvents
            yield* sql`UPDATE stint_events SET data = ${'{"cut off'} WHERE stream_id = ${streamId} AND version = 2`
            yield* readers(streamId, 2)
          })
        )
      )
    }

    it.live("an event whose payload no longer fits its schema: loading the mentor names stream and version", () =>
      withStore(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const mentorId = UserId.make("corrupt-mentor")
          const stint = yield* Effect.provide(Stint.Stint, Stint.layer().pipe(Layer.provide(Policy.layerDefault)))
          yield* stint.execute(
            { _tag: "RegisterMentor", mentorId, areas: [Area.make("sql")] },
            { actor: user(mentorId) }
          )
          const streamId = Stint.mentorStream(mentorId)
          yield* sql`UPDATE stint_events SET data = ${JSON.stringify({ mentorId, areas: "not a list" })}
            WHERE stream_id = ${streamId} AND version = 1`
          // A new instance: the first one cached the mentor's state.
          const fresh = yield* Effect.provide(Stint.Stint, Stint.layer().pipe(Layer.provide(Policy.layerDefault)))
          yield* expectInvalidAt(fresh.mentor(mentorId), streamId, 1)
        })
      )
    )
  })
}

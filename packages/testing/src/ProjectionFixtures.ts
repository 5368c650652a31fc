/**
 * Fixtures of the projections contract, free of any test runner so scripts (a child process the crash
 * test kills) can use them too: two small projections over `InterestsDeclared`, and writers.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import * as Codec from "@stint/core/EventCodec"
import { InterestsDeclared } from "@stint/core/MenteeEvent"
import * as Projection from "@stint/core/Projection"
import { EventStore } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import * as StreamId from "@stint/core/StreamId"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A mentee's declared interests: one document per mentee, listed under each area and by count. */
const Interests = Schema.Struct({
  areas: Schema.Array(Schema.String),
  declarations: Schema.Int,
  declaredAt: Schema.DateTimeUtc
})

/** The projection of the contract; `version` and a `tag` let tests define a changed definition. */
export const interests = (version = 1, tag = "") =>
  Projection.make({
    name: "contract-interests",
    version,
    handles: ["InterestsDeclared"],
    document: Interests,
    apply: ({ event, record }, documents) => {
      if (event._tag !== "InterestsDeclared") return []
      const id = StreamId.idOf(record.streamId)
      if (event.areas.length === 0) return [Projection.remove(id)]
      return [
        Projection.put(id, {
          areas: event.areas.map((area) => `${tag}${area}`),
          declarations: (documents.get(id)?.declarations ?? 0) + 1,
          declaredAt: event.declaredAt
        })
      ]
    },
    indexes: {
      byArea: (document) => document.areas.map((area) => [area]),
      byDeclarations: (document) => [document.declarations]
    }
  })

/** Appends declarations (lists of areas, each at a second since an epoch) to a mentee stream, as one append. */
const appendDeclarations = (
  menteeId: string,
  declarations: ReadonlyArray<{ areas: ReadonlyArray<string>; at: number }>
) =>
  Effect.flatMap(EventStore, (store) =>
    store.append({
      commandId: Ids.CommandId.make(randomUUID()),
      actor: Actor.system,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      streams: [
        {
          streamId: Codec.menteeStream(menteeId),
          expected: ExpectedVersion.any,
          events: Codec.encode(
            "mentee",
            declarations.map(({ areas, at }) =>
              InterestsDeclared.make({
                areas: areas.map((a) => Ids.Area.make(a)),
                declaredAt: DateTime.unsafeMake(1_767_600_000_000 + at * 1000)
              })
            ),
            randomUUID
          )
        }
      ]
    })
  )

/** Appends a mentee's `InterestsDeclared` (the contract's events). */
export const declare = (menteeId: string, areas: ReadonlyArray<string>, at = 0) =>
  appendDeclarations(menteeId, [{ areas, at }])

/** Appends `count` declarations to one mentee stream in a single append. */
export const declareMany = (menteeId: string, count: number) =>
  appendDeclarations(
    menteeId,
    Array.from({ length: count }, (_, i) => ({ areas: [`area${i % 5}`], at: i }))
  )

/**
 * Counts the events of each mentee stream, and is deliberately not idempotent: an event applied twice
 * (or skipped) shows as a count that differs from the stream's length.
 */
export const counting = Projection.make({
  name: "contract-counting",
  version: 1,
  handles: ["InterestsDeclared"],
  document: Schema.Struct({ events: Schema.Int, lastVersion: Schema.Int }),
  apply: ({ record }, documents) => {
    const id = StreamId.idOf(record.streamId)
    const current = documents.get(id) ?? { events: 0, lastVersion: 0 }
    return [Projection.put(id, { events: current.events + 1, lastVersion: record.version })]
  }
})

/** One document counting every declaration of every stream: concurrent appends all write it. */
export const total = Projection.make({
  name: "contract-total",
  version: 1,
  handles: ["InterestsDeclared"],
  document: Schema.Struct({ events: Schema.Int }),
  apply: (_envelope, documents) => [Projection.put("total", { events: (documents.get("total")?.events ?? 0) + 1 })]
})

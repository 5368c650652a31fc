/**
 * What the read-model tests share: the people, areas and ids of their stories, builders of the
 * engagement events with the usual values (override what a test is about), and the helpers of a
 * real run (the log as envelopes, documents rebuilt from it, any split into batches agreeing).
 */
import { Actor, EngagementEvent as E, Ids, Policy, Stint } from "@stint/core"
import type { DomainEvent, Envelope } from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import type { StreamId } from "@stint/core/StreamId"
import { assert } from "@effect/vitest"
import { at } from "@stint/testing/DeciderSpec"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import { Chunk, DateTime, Effect, Stream, TestClock } from "effect"

export { at }

// ── people, areas, ids ──────────────────────────────────────────────────────────────────────

export const ana = Ids.UserId.make("ana")
export const ben = Ids.UserId.make("ben")
export const bo = Ids.UserId.make("bo")
export const cai = Ids.UserId.make("cai")
export const dee = Ids.UserId.make("dee")
export const eli = Ids.UserId.make("eli")
export const eve = Ids.UserId.make("eve")

export const typescript = Ids.Area.make("typescript")
export const product = Ids.Area.make("product")
export const design = Ids.Area.make("design")
export const customers = Ids.Area.make("customers")

/** The n-th engagement of a story (n a single digit: ids sort in n's order). */
export const engagementId = (n: number) => Ids.EngagementId.make(`${n}0000000-0000-4000-8000-000000000000`)
/** The n-th session of a story. */
export const sessionId = (n: number) => Ids.SessionId.make(`${n}1111111-1111-4111-8111-111111111111`)
/** The n-th note of a story. */
export const noteId = (n: number) => Ids.NoteId.make(`${n}2222222-2222-4222-8222-222222222222`)
/** The engagements 1 to 5. */
export const [e1, e2, e3, e4, e5] = [1, 2, 3, 4, 5].map(engagementId) as [
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId
]
/** An engagement's stream. */
export const stream = (id: Ids.EngagementId) => Stint.engagementStream(id)
/** Command options of a user acting. */
export const as = (userId: Ids.UserId) => ({ actor: Actor.user(userId) })

export const goals = [{ statement: "Ship a typed API", successCriterion: "Reviewed and merged" }]
export const ask = { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }

// ── event builders: the usual story, with overrides ─────────────────────────────────────────

/** `ben` asks `ana` for help with TypeScript on day 0, expiring on day 7. */
export const requested = (id: Ids.EngagementId, overrides: Partial<typeof E.EngagementRequested.Type> = {}) =>
  E.EngagementRequested.make({
    engagementId: id,
    menteeId: ben,
    mentorId: ana,
    initiator: "mentee",
    area: typescript,
    need: "Help me type my API",
    goals,
    ask,
    policy: Policy.defaults,
    requestedAt: at(0),
    expiresAt: at(7),
    ...overrides
  })

/** The mentor agrees to the ask on day 1, for 30 days. */
export const agreed = (overrides: Partial<typeof E.EngagementAgreed.Type> = {}) =>
  E.EngagementAgreed.make({ scope: ask, agreedBy: "mentor", agreedAt: at(1), endsAt: at(31), ...overrides })

/** Session n, 20 minutes on day 1 + n, recorded by the mentee when held. */
export const held = (n: number, overrides: Partial<typeof E.SessionHeld.Type> = {}) =>
  E.SessionHeld.make({
    sessionId: sessionId(n),
    heldAt: at(1 + n),
    minutes: 20,
    recordedBy: "mentee",
    recordedAt: overrides.heldAt ?? at(1 + n),
    ...overrides
  })

/** Wrap-up starts on `day`. */
export const wrapUp = (reason: "session_cap_reached" | "time_box_elapsed", day: number) =>
  E.WrapUpStarted.make({ reason, startedAt: at(day) })

// ── documents from a log ────────────────────────────────────────────────────────────────────

/** The documents after these events, stream by stream, through the reference semantics. */
export const documentsOf = <D, I, Ix extends string>(
  projection: Projection.Projection<D, I, Ix>,
  history: ReadonlyArray<readonly [StreamId, ReadonlyArray<DomainEvent>]>
): Map<string, D> =>
  Projection.applyAll(
    projection,
    new Map(),
    ProjectionSpec.envelopes(history.flatMap(([s, events]) => events.map((e) => [s, e] as const)))
  )

/** Starts a real run's TestClock at `at(0)`, the instant the builders' events count from. */
export const startClock = TestClock.setTime(DateTime.toEpochMillis(at(0)))

/** The whole log of a real run, decoded. */
export const log = Effect.flatMap(Stint.Stint, (stint) =>
  Effect.map(Stream.runCollect(stint.events()), (chunk): ReadonlyArray<Envelope> => Chunk.toReadonlyArray(chunk))
)

/** The documents rebuilt from these envelopes. */
export const rebuild = <D, I, Ix extends string>(
  projection: Projection.Projection<D, I, Ix>,
  envelopes: ReadonlyArray<Envelope>
) => Projection.applyAll(projection, new Map<string, D>(), envelopes)

/**
 * INV-19: the log applied in two batches, split at each cut (every position by default), gives the
 * same documents as applied at once.
 */
export const assertBatchesAgree = <D, I, Ix extends string>(
  projection: Projection.Projection<D, I, Ix>,
  envelopes: ReadonlyArray<Envelope>,
  cuts: ReadonlyArray<number> = Array.from({ length: envelopes.length + 1 }, (_, i) => i)
): void => {
  const all = rebuild(projection, envelopes)
  for (const cut of cuts) {
    const split = Projection.applyAll(projection, rebuild(projection, envelopes.slice(0, cut)), envelopes.slice(cut))
    assert.deepStrictEqual(Object.fromEntries(split), Object.fromEntries(all), `split at ${cut}`)
  }
}

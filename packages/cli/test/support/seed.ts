/**
 * Events for the CLI's tests, written in-process through the real commands: engagements driven from
 * request to close (with a private note each), on a database opened by its string. The async read
 * models are not run here, so they lag until `catchUp`.
 */
import { Actor, Ids, ReadModels, Projections, Stint } from "@stint/core"
import { SqlStint } from "@stint/sql"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"

const area = Ids.Area.make("typescript")

/** The private note of every seeded engagement. */
export const noteText = "private: mentee is nervous about the demo"

/** A UUID made from a kind (engagement, session, note) and numbers, so a stream id is easy to name. */
export const uuid = (kind: number, batch: number, i: number): string =>
  `${kind.toString(16).padStart(8, "0")}-${batch.toString(16).padStart(4, "0")}-4000-8000-${i.toString(16).padStart(12, "0")}`

/** The engagement id of the `i`th engagement of a batch. */
export const engagementIdOf = (batch: number, i: number) => Ids.EngagementId.make(uuid(1, batch, i))

/** Drives `count` engagements (mentors `mentor-0`…`mentor-9`, registered once); the events appended. */
export const engagements = (count: number, batch = 0) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    let events = 0
    const run = (command: Parameters<Stint.StintShape["execute"]>[0], actor: Actor.Actor) =>
      Effect.map(stint.execute(command, { actor }), (result) => {
        events += result.events.length
        return result
      })
    for (let m = 0; m < 10; m++) {
      const mentorId = Ids.UserId.make(`mentor-${m}`)
      if ((yield* stint.mentor(mentorId)) === undefined) {
        yield* run({ _tag: "RegisterMentor", mentorId, areas: [area] }, Actor.user(mentorId))
      }
    }
    for (let i = 0; i < count; i++) {
      const engagementId = engagementIdOf(batch, i)
      const mentorId = Ids.UserId.make(`mentor-${i % 10}`)
      const mentor = Actor.user(mentorId)
      const mentee = Actor.user(Ids.UserId.make(`mentee-${batch}-${i}`))
      yield* run(
        {
          _tag: "RequestEngagement",
          engagementId,
          mentorId,
          area,
          need: "Feedback on my first conference talk, its outline and its live demo.",
          goals: [
            { statement: "Give the talk at the meetup", successCriterion: "It fits in 25 minutes and the demo runs" }
          ],
          scope: { sessions: 2 }
        },
        mentee
      )
      const agreed = yield* run({ _tag: "AgreeEngagement", engagementId }, mentor)
      const agreement = agreed.events.find((e) => e.event._tag === "EngagementAgreed")?.event
      if (agreement?._tag !== "EngagementAgreed") return yield* Effect.dieMessage("no agreement")
      for (const [n, heldAt] of [agreement.agreedAt, DateTime.add(agreement.agreedAt, { millis: 1 })].entries()) {
        yield* run(
          {
            _tag: "RecordSession",
            engagementId,
            sessionId: Ids.SessionId.make(uuid(2 + n, batch, i)),
            heldAt,
            minutes: 20
          },
          mentor
        )
      }
      yield* run(
        {
          _tag: "AddNote",
          engagementId,
          noteId: Ids.NoteId.make(uuid(4, batch, i)),
          visibility: "private",
          text: noteText
        },
        mentor
      )
      yield* run({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, mentee)
      yield* run({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, mentor)
      yield* run({ _tag: "CloseEngagement", engagementId, outcome: "completed" }, mentor)
    }
    return events
  })

/** Stint on the database with the built-in read models, runners off (they lag until `catchUp`). */
export const layer = (database: string) =>
  SqlStint.layer(database, { projections: ReadModels.options({ run: false }), maxConnections: 4 })

/** Seeds `count` engagements; optionally brings every projection up to the head afterwards. */
export const seed = (database: string, count: number, options: { readonly catchUp?: boolean } = {}) =>
  Effect.gen(function* () {
    const events = yield* engagements(count)
    if (options.catchUp) yield* Effect.flatMap(Projections.Projections, (p) => p.catchUp())
    return events
  }).pipe(Effect.provide(layer(database)))

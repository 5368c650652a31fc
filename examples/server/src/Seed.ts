/**
 * A few mentors and mentees on a new database, so a newcomer can try requests at once. Every seed
 * command has a fixed command id: a restart, or two servers starting together, seeds once.
 */
import { Actor, Command, Ids, Stint } from "@stint/core"
import * as Effect from "effect/Effect"

const user = (id: string) => Ids.UserId.make(id)
const area = (name: string) => Ids.Area.make(name)

/** Mentors with their areas, and mentees with the areas they want help in. */
export const mentors = [
  { id: "ana", areas: ["typescript", "design"] },
  { id: "theo", areas: ["sales"] },
  { id: "lee", areas: ["leadership"] }
] as const
export const mentees = [
  { id: "ben", interests: ["typescript", "sales"] },
  { id: "cy", interests: ["design"] },
  { id: "dee", interests: ["leadership", "typescript"] }
] as const

export const run = Effect.gen(function* () {
  const stint = yield* Stint.Stint
  for (const m of mentors) {
    yield* stint.execute(Command.RegisterMentor.make({ mentorId: user(m.id), areas: m.areas.map(area) }), {
      actor: Actor.user(user(m.id)),
      commandId: `seed:mentor:${m.id}`
    })
  }
  for (const m of mentees) {
    yield* stint.execute(Command.DeclareInterests.make({ areas: m.interests.map(area) }), {
      actor: Actor.user(user(m.id)),
      commandId: `seed:mentee:${m.id}`
    })
  }
}).pipe(Effect.withSpan("Seed.run"))

/** The mentor decider: registration, expertise, capacity and availability. */
import type { Actor } from "../store/Actor.js"
import type * as Command from "./Command.js"
import * as D from "./Decision.js"
import * as R from "../domain/Refusal.js"

/** The mentor themselves, or an admin (capacity overrides are an admin's job too). */
const mayManage = (actor: Actor, mentorId: string): boolean =>
  actor._tag === "Admin" || (actor._tag === "User" && actor.userId === mentorId)

export const decide = (command: Command.MentorCommand, input: D.Input): D.Result => {
  const { actor, now, mentor } = input
  if (!mayManage(actor, command.mentorId))
    return D.notAllowed(actor, command._tag, "only the mentor themselves or an admin")
  if (command._tag === "RegisterMentor") {
    if (mentor !== undefined) return D.refuse(new R.MentorAlreadyRegistered({ mentorId: command.mentorId }))
    return D.accept({
      mentor: [
        {
          _tag: "MentorRegistered",
          mentorId: command.mentorId,
          areas: command.areas,
          capacity: command.capacity ?? input.policy.defaultCapacity,
          registeredAt: now
        }
      ]
    })
  }
  if (mentor === undefined) return D.refuse(new R.MentorNotFound({ mentorId: command.mentorId }))
  switch (command._tag) {
    case "ChangeExpertise":
      return D.accept({ mentor: [{ _tag: "ExpertiseChanged", areas: command.areas, changedAt: now }] })
    case "ChangeCapacity":
      return D.accept({
        mentor: [{ _tag: "CapacityChanged", capacity: command.capacity, changedBy: actor, changedAt: now }]
      })
    case "PauseMentoring":
      return mentor.paused ? D.nothing : D.accept({ mentor: [{ _tag: "MentoringPaused", pausedAt: now }] })
    case "ResumeMentoring":
      return mentor.paused ? D.accept({ mentor: [{ _tag: "MentoringResumed", resumedAt: now }] }) : D.nothing
  }
}

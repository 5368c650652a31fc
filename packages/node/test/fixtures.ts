/** Commands of a short story, as plain JSON, shared by the tests. */
import type { CommandInputOf } from "@stint/node"

export const ana = "ana" // the mentor
export const ben = "ben" // the mentee

export const register: CommandInputOf<"RegisterMentor"> = {
  _tag: "RegisterMentor",
  mentorId: ana,
  areas: ["typescript"],
  capacity: { engagements: 3, sessions: 8 }
}

export const request = (engagementId: string, sessions = 1): CommandInputOf<"RequestEngagement"> => ({
  _tag: "RequestEngagement",
  engagementId,
  mentorId: ana,
  area: "typescript",
  need: "I keep fighting the type checker on generic helpers.",
  goals: [{ statement: "Write one generic helper", successCriterion: "It passes review unchanged" }],
  scope: { sessions }
})

export const session = (engagementId: string, heldAt = new Date().toISOString()): CommandInputOf<"RecordSession"> => ({
  _tag: "RecordSession",
  engagementId,
  sessionId: crypto.randomUUID(),
  heldAt,
  minutes: 20
})

/**
 * The whole domain as one pure decider: which streams a command needs, and what it decides.
 * The handler loads the streams `targets` names, calls `decide`, and appends the decision.
 */
import type { Actor } from "../store/Actor.js"
import type { Command, CommandType, EngagementCommand, MentorCommand } from "./Command.js"
import type * as D from "./Decision.js"
import type { EngagementId, UserId } from "../domain/Ids.js"
import * as Engagement from "./EngagementDecider.js"
import type { EngagementState } from "../engagement/EngagementState.js"
import * as Mentee from "./MenteeDecider.js"
import * as Mentor from "./MentorDecider.js"

export interface Targets {
  readonly engagementId: EngagementId | undefined
  readonly mentorId: UserId | undefined
  readonly menteeId: UserId | undefined
}

const mentorCommands: ReadonlySet<CommandType> = new Set([
  "RegisterMentor",
  "ChangeExpertise",
  "ChangeCapacity",
  "PauseMentoring",
  "ResumeMentoring"
])

/** Engagement commands that also read or write the mentor and mentee streams. */
const ledgerCommands: ReadonlySet<CommandType> = new Set([
  "RequestEngagement",
  "OfferEngagement",
  "AgreeEngagement",
  "DeclineEngagement",
  "WithdrawRequest",
  "ExpireRequest",
  "AcceptExtension",
  "CloseEngagement"
])

export const isMentorCommand = (command: Command): command is MentorCommand => mentorCommands.has(command._tag)
export const isEngagementCommand = (command: Command): command is EngagementCommand => "engagementId" in command

/** The engagement a command is about, if any (loaded first: it names the mentor and mentee). */
export const engagementOf = (command: Command): EngagementId | undefined =>
  isEngagementCommand(command) ? command.engagementId : undefined

/** The streams a command needs, given the engagement (when it has one) as loaded. */
export const targets = (command: Command, actor: Actor, engagement: EngagementState): Targets => {
  const self = actor._tag === "User" ? actor.userId : undefined
  if (isMentorCommand(command)) return { engagementId: undefined, mentorId: command.mentorId, menteeId: undefined }
  if (!isEngagementCommand(command)) return { engagementId: undefined, mentorId: undefined, menteeId: self }
  const engagementId = command.engagementId
  if (command._tag === "RequestEngagement") return { engagementId, mentorId: command.mentorId, menteeId: self }
  if (command._tag === "OfferEngagement") return { engagementId, mentorId: self, menteeId: command.menteeId }
  if (engagement === undefined || !ledgerCommands.has(command._tag))
    return { engagementId, mentorId: undefined, menteeId: undefined }
  return { engagementId, mentorId: engagement.mentorId, menteeId: engagement.menteeId }
}

/** Decides any command: pure, total, and the same for the same input (INV-18). */
export const decide = (command: Command, input: D.Input): D.Result =>
  isMentorCommand(command)
    ? Mentor.decide(command, input)
    : isEngagementCommand(command)
      ? Engagement.decide(command, input)
      : Mentee.decide(command, input)

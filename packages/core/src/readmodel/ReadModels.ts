/**
 * The built-in read models, and where we run them by default: the two a participant looks at right
 * after acting (the engagement and its journal) inline, for read-your-writes; the ones that gather
 * across streams async, so appends never wait on a mentor's or the programme's document.
 */
import type * as Projections from "../projection/Projections.js"
import type * as ReadModel from "../projection/ReadModel.js"
import * as Deadlines from "./Deadlines.js"
import * as EngagementView from "./EngagementView.js"
import * as MenteeNetwork from "./MenteeNetwork.js"
import * as MentorInbox from "./MentorInbox.js"
import * as MentorLoad from "./MentorLoad.js"
import * as ProgramMetrics from "./ProgramMetrics.js"
import * as SessionJournal from "./SessionJournal.js"

/** Every built-in read model. */
export const all: ReadonlyArray<ReadModel.Any> = [
  EngagementView.readModel,
  SessionJournal.readModel,
  MentorLoad.readModel,
  MentorInbox.readModel,
  MenteeNetwork.readModel,
  ProgramMetrics.readModel,
  Deadlines.readModel
]

/**
 * The default placement, plus the host's own projections (`inline` and `async` are appended to the
 * built-ins) and any other runner option.
 */
export const options = (extra: Projections.Options = {}): Projections.Options => ({
  ...extra,
  inline: [EngagementView.projection, SessionJournal.projection, ...(extra.inline ?? [])],
  async: [
    MentorLoad.projection,
    MentorInbox.projection,
    MenteeNetwork.projection,
    ProgramMetrics.projection,
    Deadlines.projection,
    ...(extra.async ?? [])
  ]
})

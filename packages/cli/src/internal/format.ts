/**
 * How the commands print: the status table, and events as one line of text or one JSON object each.
 * Events are printed as stored (payloads are not decoded), so an operator sees exactly what the log
 * holds, including events of types this build does not know.
 */
import * as Actor from "@stint/core/Actor"
import type * as Projections from "@stint/core/Projections"
import * as Checkpoint from "@stint/core/Checkpoint"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import * as DateTime from "effect/DateTime"
import { count } from "./progress.js"

/** A projection's status with its lag: the events of the log its serving generation has not applied. */
export interface StatusRow extends Projections.Status {
  readonly lag: number | undefined
}

export const withLag = (status: Projections.Status): StatusRow => ({
  ...status,
  lag: status.serving === undefined ? undefined : Math.max(0, status.serving.eventsTotal - status.serving.eventsDone)
})

/** A status row as JSON: every field present (`null` for a generation that does not exist). */
export const statusJson = (row: StatusRow) => ({
  name: row.name,
  version: row.version,
  mode: row.inline ? "inline" : "async",
  serving: row.serving ?? null,
  building: row.building ?? null,
  lag: row.lag ?? null
})

/** Left-aligned columns, two spaces apart. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

const generationCell = (g: Projections.GenerationStatus | undefined, inline: boolean): ReadonlyArray<string> =>
  g === undefined
    ? ["-", "none", "-", "-"]
    : // A live inline generation is written by every append: its checkpoint stopped where its build ended.
      inline && g.state === "live"
      ? [String(g.generation), g.state, "(appends)", "-"]
      : [String(g.generation), g.state, g.checkpoint, count(g.eventsDone)]

/** The `status` table. */
export const statusTable = (rows: ReadonlyArray<StatusRow>): string =>
  table(
    ["PROJECTION", "VERSION", "MODE", "GEN", "STATE", "CHECKPOINT", "EVENTS", "LAG", "BUILDING"],
    rows.map((row) => [
      row.name,
      row.serving !== undefined && row.serving.version !== row.version
        ? `${row.version} (serving ${row.serving.version})`
        : String(row.version),
      row.inline ? "inline" : "async",
      ...generationCell(row.serving, row.inline),
      row.lag === undefined ? "not built" : count(row.lag),
      row.building === undefined
        ? "-"
        : `gen ${row.building.generation} v${row.building.version}: ${count(row.building.eventsDone)}/${count(row.building.eventsTotal)}`
    ])
  )

/** What people wrote in their own words, per event type: what `--redact-notes` hides. */
const freeText: Readonly<Record<string, ReadonlyArray<string>>> = {
  NoteAdded: ["text"],
  FeedbackGiven: ["comment"],
  EngagementDeclined: ["reason"],
  EngagementClosed: ["reason"]
}

const redactData = (event: RecordedEvent, redactNotes: boolean): unknown => {
  const fields = freeText[event.type]
  if (!redactNotes || fields === undefined || typeof event.data !== "object" || event.data === null) return event.data
  const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) }
  for (const field of fields) if (typeof data[field] === "string") data[field] = "[redacted]"
  return data
}

const checkpointOf = (event: RecordedEvent) => Checkpoint.format({ commit: event.commit, position: event.position })

/** `12.3456  engagement-e1#3  SessionHeld  2026-11-23T22:00:00.000Z  user ana  {"sessionId":…}`. */
export const eventLine = (event: RecordedEvent, options: { readonly redactNotes?: boolean } = {}): string =>
  [
    checkpointOf(event),
    `${event.streamId}#${event.version}`,
    event.type,
    DateTime.formatIso(event.metadata.recordedAt),
    Actor.describe(event.metadata.actor),
    JSON.stringify(redactData(event, options.redactNotes === true))
  ].join("  ")

/** One JSON object per event: the envelope and payload as stored, checkpoints as `commit.position`. */
export const eventJson = (event: RecordedEvent, options: { readonly redactNotes?: boolean } = {}): string =>
  JSON.stringify({
    checkpoint: checkpointOf(event),
    streamId: event.streamId,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    data: redactData(event, options.redactNotes === true),
    metadata: { ...event.metadata, recordedAt: DateTime.formatIso(event.metadata.recordedAt) }
  })

/**
 * What each rejection of `@stint/node` means over HTTP: one `switch` on the error's tag. The domain
 * refuses in two ways: the request can never succeed as written (422), or it conflicts with the
 * current state of the engagement, mentor or mentee (409).
 */
import type { ErrorRequestHandler } from "express"
import type { CommandError, ListError } from "@stint/node"

export const statusOf = (error: CommandError | ListError): number => {
  switch (error._tag) {
    case "InvalidCommand":
    case "InvalidArgument":
    case "InvalidQuery":
      return 400
    case "NotAllowed":
      return 403
    case "EngagementNotFound":
    case "MentorNotFound":
    case "SessionNotFound":
    case "GoalNotFound":
      return 404
    case "SelfMentoring":
    case "OutOfBounds":
    case "ReasonRequired":
    case "AreaNotOffered":
      return 422
    case "NoteNotAllowed":
    case "InvalidTransition":
    case "EngagementAlreadyExists":
    case "MentorAlreadyRegistered":
    case "RequestExpired":
    case "NotDueYet":
    case "AlreadyCountered":
    case "SessionCapReached":
    case "DuplicateSession":
    case "WindowClosed":
    case "ExtensionAlreadyOffered":
    case "NoOpenExtension":
    case "ExtensionLimitReached":
    case "GoalAlreadyMet":
    case "NoSessionHeld":
    case "FeedbackAlreadyGiven":
    case "SessionOutsideWindow":
    case "OpenRequestLimitReached":
    case "LiveEngagementExists":
    case "CooldownActive":
    case "MentorAtCapacity":
    case "MentorPaused":
    case "WrongExpectedVersion":
      return 409
    case "StoreError":
    case "InvalidStoreData":
    case "StintClosed":
      return 503
    case "StintDefect":
      return 500
    default:
      // A tagged error this app does not know (a newer `@stint/node`): the server's fault until mapped.
      return 500
  }
}

/** An `Idempotency-Key` sent again with another request than the one it first came with. */
export class IdempotencyKeyReused extends Error {
  readonly status = 422
  constructor() {
    super("this Idempotency-Key was used with a different request; use a new key for a new request")
  }
}

const isStintError = (error: unknown): error is CommandError | ListError =>
  error instanceof Error && "_tag" in error && typeof error._tag === "string"

const names: Record<number, string> = { 400: "BadRequest", 413: "PayloadTooLarge", 422: "IdempotencyKeyReused" }

/** The last middleware: Stint's errors by tag, Express's own (a malformed JSON body) by status. */
export const handleErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (isStintError(error)) {
    const status = statusOf(error)
    if (status >= 500) console.error(error)
    const { _tag, message, ...details } = error
    res.status(status).json({ error: _tag, message: status >= 500 ? "Stint is unavailable" : message, details })
    return
  }
  const given = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500
  const status = given >= 400 && given < 600 ? given : 500
  if (status >= 500) console.error(error)
  // A 4xx says what was wrong; a 5xx says nothing of the server's insides.
  const message = status >= 500 ? "the server failed" : error instanceof Error ? error.message : String(error)
  res.status(status).json({ error: names[status] ?? (status >= 500 ? "InternalError" : "BadRequest"), message })
}

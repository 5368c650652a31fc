/**
 * The programme's policy: the bounds and windows every engagement runs under. The host provides it
 * (a layer with the defaults below); it is copied into `EngagementRequested`, so changing the policy
 * never alters an engagement already in flight.
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

/** An inclusive range with the value a request takes when it names none. */
export const Bounds = Schema.Struct({ min: PositiveInt, max: PositiveInt, default: PositiveInt }).pipe(
  Schema.filter((b) => (b.min <= b.default && b.default <= b.max) || `expected min ≤ default ≤ max`)
)
export type Bounds = typeof Bounds.Type

/** Who must record "met" before a goal counts as met. */
export const GoalMetRule = Schema.Literal("both", "mentee", "mentor")
export type GoalMetRule = typeof GoalMetRule.Type

/** A mentor's capacity: live engagements and sessions committed across them. */
export const Capacity = Schema.Struct({
  engagements: Schema.Int.pipe(Schema.between(0, 100)),
  sessions: Schema.Int.pipe(Schema.between(0, 1000))
})
export type Capacity = typeof Capacity.Type

export const Policy = Schema.Struct({
  /** Sessions per engagement. */
  sessionCap: Bounds,
  /** Length of the time box, counted from the agreement. */
  timeBoxDays: Bounds,
  /** Length of one session. */
  sessionMinutes: Bounds,
  /** How long a request waits for an answer before it expires. */
  requestExpiryDays: PositiveInt,
  /** How long a counter-offer waits for the mentee's answer. */
  counterExpiryDays: PositiveInt,
  /** Open (unanswered) requests one mentee may have at once. */
  maxOpenRequests: PositiveInt,
  /** Days after closing before a mentee may ask the same mentor in the same area again. */
  cooldownDays: NonNegativeInt,
  /** Extensions a mentor may add to one engagement. */
  maxExtensions: NonNegativeInt,
  /** The session cap after extensions is at most this multiple of the agreed cap. */
  extensionCapFactor: PositiveInt,
  /** Days after recording during which a session may be retracted. */
  correctionWindowDays: NonNegativeInt,
  /** Days after closing during which goal outcomes and feedback are still accepted. */
  feedbackWindowDays: NonNegativeInt,
  goalMetRule: GoalMetRule,
  /** Capacity a mentor registers with when they name none. */
  defaultCapacity: Capacity
})
export type Policy = typeof Policy.Type

/** The defaults of `DOMAIN.md`. */
export const defaults: Policy = {
  sessionCap: { min: 1, max: 6, default: 3 },
  timeBoxDays: { min: 1, max: 90, default: 30 },
  sessionMinutes: { min: 5, max: 60, default: 20 },
  requestExpiryDays: 7,
  counterExpiryDays: 7,
  maxOpenRequests: 5,
  cooldownDays: 14,
  maxExtensions: 1,
  extensionCapFactor: 2,
  correctionWindowDays: 7,
  feedbackWindowDays: 14,
  goalMetRule: "both",
  defaultCapacity: { engagements: 3, sessions: 8 }
}

/** The policy in force for new engagements. */
export class ProgramPolicy extends Context.Tag("@stint/core/ProgramPolicy")<ProgramPolicy, Policy>() {}

/** The default policy. */
export const layerDefault: Layer.Layer<ProgramPolicy> = Layer.succeed(ProgramPolicy, defaults)

/**
 * A policy with some values overridden; validated, so a host's typo fails at start, not mid-engagement.
 */
export const layer = (overrides: Partial<Policy>): Layer.Layer<ProgramPolicy, InvalidPolicy> =>
  Layer.effect(ProgramPolicy, Schema.decodeUnknown(Policy)({ ...defaults, ...overrides })).pipe(
    Layer.mapError((cause) => new InvalidPolicy({ message: cause.message }))
  )

/** The host's policy does not satisfy its own schema. */
export class InvalidPolicy extends Schema.TaggedError<InvalidPolicy>()("InvalidPolicy", {
  message: Schema.String
}) {}

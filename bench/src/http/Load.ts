/**
 * The HTTP load: autocannon with C keep-alive connections and no pipelining, each connection driving
 * engagements one after another through the full-domain command mix of `StintDomain` — request
 * (mentee), agree, two sessions (mentor), goal met by the mentee and by the mentor, close (mentor) —
 * as `POST /commands/<name>` with the actor's bearer token and a unique `Idempotency-Key`.
 *
 * autocannon runs a fixed sequence of requests per connection and builds each request just before it
 * is sent (`setupRequest`), after the answer to the one before (`onResponse`), with a per-connection
 * context that starts afresh with every pass through the sequence: one pass is one engagement. The
 * first request of a pass takes the next engagement from a shared queue and a mentor nobody else is
 * using (a mentor returns to the pool when its engagement closes), so, as in the in-process loops, no
 * two connections ever write to one mentor's stream at the same time.
 */
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import autocannon from "autocannon"
import * as Token from "../../../examples/server/src/Token.js"
import * as Workload from "../Workload.js"

/** The commands of one engagement, in order, and the party that sends each. */
export const steps = [
  { name: "request", path: "/commands/request-engagement", actor: "mentee" },
  { name: "agree", path: "/commands/agree-engagement", actor: "mentor" },
  { name: "session 1", path: "/commands/record-session", actor: "mentor" },
  { name: "session 2", path: "/commands/record-session", actor: "mentor" },
  { name: "goal (mentee)", path: "/commands/record-goal-outcome", actor: "mentee" },
  { name: "goal (mentor)", path: "/commands/record-goal-outcome", actor: "mentor" },
  { name: "close", path: "/commands/close-engagement", actor: "mentor" }
] as const

/** A user and their bearer token. */
export interface Party {
  readonly id: string
  readonly token: string
}

/** One engagement to drive: its id and its mentee; the mentor is chosen when it starts. */
export interface Engagement {
  readonly id: string
  readonly mentee: Party
}

/** What one load phase will run: the mentors (registered first) and the engagements. */
export interface Plan {
  readonly mentors: ReadonlyArray<Party>
  readonly engagements: ReadonlyArray<Engagement>
}

/** Tokens minted before the clock starts: the workload's engagements and their mentors. */
export const plan = (secret: string, count: number, label: string): Plan => {
  const now = Math.floor(Date.now() / 1000)
  const party = (id: string): Party => ({ id, token: Token.mint(secret, { sub: id, role: "user" }, now) })
  const engagements = Workload.engagements(count, label)
  const mentorIds = [...new Set(engagements.map((e) => e.mentorId))].sort()
  return {
    mentors: mentorIds.map(party),
    engagements: engagements.map((e) => ({ id: e.id, mentee: party(e.menteeId) }))
  }
}

const post = async (url: string, path: string, token: string, key: string, body: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`)
}

/** Registers the plan's mentors, one request each (untimed setup). */
export const registerMentors = async (url: string, mentors: ReadonlyArray<Party>): Promise<void> => {
  for (const mentor of mentors) {
    await post(url, "/commands/register-mentor", mentor.token, `register-${mentor.id}`, {
      mentorId: mentor.id,
      areas: [Workload.area]
    })
  }
}

/** Waits until `/ready` answers with every read model live and at the head. */
export const awaitCaughtUp = async (url: string, limitMs: number): Promise<void> => {
  const start = performance.now()
  let last = ""
  for (;;) {
    const response = await fetch(`${url}/ready`)
    last = await response.text()
    if (response.ok) {
      const body = JSON.parse(last) as { projections: ReadonlyArray<{ lag: number }> }
      if (body.projections.every((p) => p.lag === 0)) return
    }
    if (performance.now() - start > limitMs) throw new Error(`read models not caught up in ${limitMs} ms: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** What one phase measured. */
export interface Result {
  /** Responses that were not 2xx, by status and the refusal or error tag of their body. */
  readonly refusals: ReadonlyMap<string, { count: number; example: string }>
  readonly responses: number
  /** Commands answered 2xx. */
  readonly accepted: number
  /** Events the accepted commands appended, from their answers. */
  readonly events: number
  /** Answers marked `replayed` (none expected: every key is new). */
  readonly replayed: number
  /** Latency of every answer (ms), from writing the request to reading the answer's last byte. */
  readonly latencies: Float64Array
  /** The same, per step of the engagement. */
  readonly latenciesByStep: ReadonlyArray<ReadonlyArray<number>>
  /** Wall time from the start of the load to the last answer. */
  readonly seconds: number
  /** `performance.now()` at the last answer. */
  readonly finishedAt: number
  /** CPU time (user + system) of this process, the load generator, until the last answer. */
  readonly clientCpuSeconds: number
  /** The server's CPU time over the same window, when a probe was given and answered. */
  readonly serverCpuSeconds: number | undefined
  /** Socket errors and timeouts autocannon counted. */
  readonly connectionErrors: number
  readonly timeouts: number
  /** Times no mentor was free and one already busy was taken (0 expected). */
  readonly mentorsShared: number
}

interface Context {
  engagement?: Engagement
  mentor?: Party
  firstSessionAt?: number
}

/**
 * Step `index` of an engagement as a request: the headers (the actor's token, a new idempotency key)
 * and the JSON body. Built after the answer to the step before, which it depends on.
 */
const stepRequest = (
  index: number,
  context: Context & { readonly engagement: Engagement; readonly mentor: Party }
): { readonly headers: Record<string, string>; readonly body: string } => {
  const step = steps[index]!
  const { engagement, mentor } = context
  const engagementId = engagement.id
  let body: unknown
  switch (step.name) {
    case "request":
      body = {
        engagementId,
        mentorId: mentor.id,
        area: Workload.area,
        need: Workload.need,
        goals: [Workload.goal],
        scope: { sessions: 2 }
      }
      break
    case "agree":
      body = { engagementId }
      break
    case "session 1":
    case "session 2": {
      // Never before the agreement; never in the future of the server (same clock); the second a
      // millisecond after the first at least.
      const now = Date.now()
      const heldAt = step.name === "session 1" ? now : Math.max(now, context.firstSessionAt! + 1)
      if (step.name === "session 1") context.firstSessionAt = heldAt
      body = { engagementId, sessionId: randomUUID(), heldAt: new Date(heldAt).toISOString(), minutes: 20 }
      break
    }
    case "goal (mentee)":
    case "goal (mentor)":
      body = { engagementId, goalIndex: 0, outcome: "met" }
      break
    case "close":
      body = { engagementId, outcome: "completed" }
      break
  }
  const party = step.actor === "mentee" ? engagement.mentee : mentor
  return {
    headers: {
      authorization: `Bearer ${party.token}`,
      "content-type": "application/json",
      "idempotency-key": `${engagementId}.${index}`
    },
    body: JSON.stringify(body)
  }
}

/** The answers of one phase, as they arrive. */
const tally = (amount: number) => {
  const latencies = new Float64Array(amount)
  const latenciesByStep: Array<Array<number>> = steps.map(() => [])
  const refusals = new Map<string, { count: number; example: string }>()
  const counts = { responses: 0, accepted: 0, events: 0, replayed: 0 }
  return {
    counts,
    answer: (index: number, status: number, body: string) => {
      if (status >= 200 && status < 300) {
        counts.accepted++
        counts.events += body.split('"checkpoint":').length - 1
        if (body.includes('"replayed":true')) counts.replayed++
        return
      }
      let tag = "?"
      try {
        const parsed = JSON.parse(body) as { _tag?: string; refusal?: string }
        tag = parsed.refusal ?? parsed._tag ?? "?"
      } catch {
        // not JSON: the tag stays "?" and the body is the example
      }
      const key = `${status} ${tag}`
      const seen = refusals.get(key)
      if (seen === undefined) refusals.set(key, { count: 1, example: `${steps[index]!.name}: ${body.slice(0, 300)}` })
      else seen.count++
    },
    latency: (index: number, ms: number) => {
      if (counts.responses < amount) latencies[counts.responses] = ms
      counts.responses++
      latenciesByStep[index]!.push(ms)
    },
    result: (
      timing: Pick<Result, "seconds" | "finishedAt" | "clientCpuSeconds" | "serverCpuSeconds">,
      failures: Pick<Result, "connectionErrors" | "timeouts" | "mentorsShared">
    ): Result => ({
      refusals,
      ...counts,
      latencies: latencies.subarray(0, counts.responses),
      latenciesByStep,
      ...timing,
      ...failures
    })
  }
}

/** Takes free mentors for engagements, and gives them back when an engagement closes. */
const mentorPool = (mentors: ReadonlyArray<Party>) => {
  const free = [...mentors]
  let taken = 0
  let shared = 0
  return {
    take: (): Party => {
      taken++
      const mentor = free.shift()
      if (mentor !== undefined) return mentor
      shared++
      return mentors[taken % mentors.length]!
    },
    give: (mentor: Party) => free.push(mentor),
    shared: () => shared
  }
}

/**
 * Runs the plan's engagements over `connections` connections (their count must be a multiple of it);
 * `serverCpu` (the server's CPU seconds so far) is read as the load starts and at its last answer.
 */
export const run = (
  url: string,
  connections: number,
  planned: Plan,
  serverCpu: () => number | undefined = () => undefined
): Promise<Result> => {
  if (planned.engagements.length % connections !== 0) {
    throw new Error(`${planned.engagements.length} engagements do not split evenly over ${connections} connections`)
  }
  const queue = [...planned.engagements]
  const pool = mentorPool(planned.mentors)
  const amount = planned.engagements.length * steps.length
  const answers = tally(amount)
  // autocannon calls a request's `onResponse` and then, synchronously, emits `response` with its latency.
  let lastStep = 0

  const requests = steps.map(
    (_step, index): autocannon.Request => ({
      method: "POST",
      path: steps[index]!.path,
      setupRequest: (request, raw) => {
        const context = raw as Context
        if (index === 0) {
          const engagement = queue.shift()
          if (engagement === undefined) throw new Error("the load ran past the planned engagements")
          context.engagement = engagement
          context.mentor = pool.take()
        }
        const { headers, body } = stepRequest(index, context as Required<Context>)
        return { ...request, headers, body }
      },
      onResponse: (status, body, raw) => {
        const context = raw as Context
        lastStep = index
        answers.answer(index, status, body)
        if (index === steps.length - 1 && context.mentor !== undefined) pool.give(context.mentor)
      }
    })
  )

  return new Promise<Result>((resolve, reject) => {
    const serverBefore = serverCpu()
    const cpu = process.cpuUsage()
    const start = performance.now()
    // autocannon notices that every connection is done on its next sampling tick (up to a second
    // later), so the clock and the CPU probes stop at the last answer instead.
    let end = start
    let clientUsed: NodeJS.CpuUsage | undefined
    let serverAfter: number | undefined
    const finish = () => {
      clientUsed = process.cpuUsage(cpu)
      serverAfter = serverCpu()
    }
    const instance = autocannon(
      { url, connections, pipelining: 1, amount, requests, timeout: 30, skipAggregateResult: true },
      (error, result) => {
        if (error !== null && error !== undefined) return reject(error)
        // Requests that timed out are never answered: then the probes are read now.
        if (clientUsed === undefined) finish()
        const used = clientUsed!
        resolve(
          answers.result(
            {
              seconds: (end - start) / 1000,
              finishedAt: end,
              clientCpuSeconds: (used.user + used.system) / 1e6,
              serverCpuSeconds:
                serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore
            },
            { connectionErrors: result.errors, timeouts: result.timeouts, mentorsShared: pool.shared() }
          )
        )
      }
    )
    instance.on("response", (_client, _status, _bytes, latency) => {
      end = performance.now()
      answers.latency(lastStep, latency)
      if (answers.counts.responses === amount) finish()
    })
  })
}

/**
 * The paced load: engagements start at a fixed rate, whatever the answers (an open loop, as users
 * arrive), so that commands are offered at `commandsPerSecond` on average; within an engagement each
 * command is sent after the answer to the one before. Unlike the closed loop, the latency here is
 * the one at that rate, not at saturation: a server that cannot keep up shows it as growing latency
 * and a lower rate reached. Node's HTTP client with keep-alive connections (as many as are busy).
 */
export const paced = async (url: string, commandsPerSecond: number, planned: Plan): Promise<Result> => {
  const amount = planned.engagements.length * steps.length
  const answers = tally(amount)
  const pool = mentorPool(planned.mentors)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const target = new URL(url)
  let connectionErrors = 0
  const send = (index: number, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: steps[index]!.path,
          headers: { ...headers, "content-length": Buffer.byteLength(body) }
        },
        (response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() })
          )
          response.on("error", reject)
        }
      )
      request.on("error", reject)
      request.end(body)
    })
  const engagementOf = async (engagement: Engagement) => {
    const context = { engagement, mentor: pool.take() } as Context & { engagement: Engagement; mentor: Party }
    try {
      for (const index of steps.keys()) {
        const { headers, body } = stepRequest(index, context)
        const sent = performance.now()
        const answer = await send(index, headers, body)
        answers.latency(index, performance.now() - sent)
        answers.answer(index, answer.status, answer.text)
        if (answer.status >= 300) return
      }
    } catch {
      connectionErrors++
    } finally {
      pool.give(context.mentor)
    }
  }
  const interval = (steps.length * 1000) / commandsPerSecond
  const cpu = process.cpuUsage()
  const start = performance.now()
  const running: Array<Promise<void>> = []
  for (const [i, engagement] of planned.engagements.entries()) {
    const due = start + i * interval
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    running.push(engagementOf(engagement))
  }
  await Promise.all(running)
  const end = performance.now()
  const used = process.cpuUsage(cpu)
  agent.destroy()
  return answers.result(
    {
      seconds: (end - start) / 1000,
      finishedAt: end,
      clientCpuSeconds: (used.user + used.system) / 1e6,
      serverCpuSeconds: undefined
    },
    { connectionErrors, timeouts: 0, mentorsShared: pool.shared() }
  )
}

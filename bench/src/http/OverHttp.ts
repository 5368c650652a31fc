/**
 * The HTTP side of the comparison on one backend: a server process on a fresh SQLite data directory
 * or a fresh PostgreSQL database; the warm-up's mentors registered and its engagements driven; the
 * async read models caught up (`/ready`); the measured engagements' mentors registered; then the
 * measured load. Afterwards, how long the async read models took to reach the head again. Then, when
 * a rate is given, the paced phase: engagements offered at that command rate (after their mentors
 * are registered and the read models are at the head), for the latency at that rate.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { Places } from "../Places.js"
import * as Load from "./Load.js"
import * as ServerProcess from "./ServerProcess.js"

export interface Result {
  readonly warmup: Load.Result
  readonly load: Load.Result
  /** From the last answer until every async read model was at the head. */
  readonly caughtUpAfterMs: number
  /** The paced phase, when a rate was given. */
  readonly paced: { readonly rate: number; readonly load: Load.Result; readonly caughtUpAfterMs: number } | undefined
  /** Lines the server logged at level ERROR, over the whole run. */
  readonly errorsLogged: number
}

export const measure = async (
  places: Places,
  backend: "sqlite" | "pg",
  options: {
    readonly mode: ServerProcess.Mode
    readonly connections: number
    readonly warmup: number
    readonly engagements: number
    /** Commands per second for the paced phase (none when undefined), over `pacedEngagements`. */
    readonly pacedRate: number | undefined
    readonly pacedEngagements: number
  }
): Promise<Result> => {
  const dataDir = mkdtempSync(join(places.directory, "http-"))
  const database = backend === "pg" ? await places.fresh("pg") : undefined
  const secret = randomBytes(32).toString("base64url")
  let server: ServerProcess.Server | undefined
  try {
    server = await ServerProcess.start({
      mode: options.mode,
      dataDir,
      secret,
      ...(database?.place._tag === "pg" ? { databaseUrl: database.place.url } : {})
    })
    const warm = Load.plan(secret, options.warmup, "warm")
    await Load.registerMentors(server.url, warm.mentors)
    const warmup = await Load.run(server.url, options.connections, warm)
    await Load.awaitCaughtUp(server.url, 120_000)

    const measured = Load.plan(secret, options.engagements, "bench")
    await Load.registerMentors(server.url, measured.mentors)
    await Load.awaitCaughtUp(server.url, 120_000)
    const load = await Load.run(server.url, options.connections, measured, server.cpuSeconds)
    await Load.awaitCaughtUp(server.url, 600_000)
    const caughtUpAfterMs = performance.now() - load.finishedAt
    let paced: Result["paced"]
    if (options.pacedRate !== undefined) {
      const planned = Load.plan(secret, options.pacedEngagements, "paced")
      await Load.registerMentors(server.url, planned.mentors)
      await Load.awaitCaughtUp(server.url, 120_000)
      const pacedLoad = await Load.paced(server.url, options.pacedRate, planned)
      await Load.awaitCaughtUp(server.url, 600_000)
      paced = { rate: options.pacedRate, load: pacedLoad, caughtUpAfterMs: performance.now() - pacedLoad.finishedAt }
    }
    return { warmup, load, caughtUpAfterMs, paced, errorsLogged: server.errorsLogged() }
  } catch (error) {
    const tail = server?.tail()
    throw tail === undefined
      ? error
      : new Error(`${error instanceof Error ? error.message : String(error)}\nserver log tail:\n${tail}`)
  } finally {
    await server?.stop()
    try {
      await database?.drop()
    } catch {
      // removed with the server
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
}

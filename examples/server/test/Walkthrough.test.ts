/**
 * The README's "One engagement over HTTP" walkthrough, run as written (bash, curl and the plain-Node
 * token script) twice in a row against one server on one data directory. A newcomer who pastes it
 * again must meet no cooldown, no reused id and no reused Idempotency-Key: both runs get the answers
 * the README promises, the one 403 included.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Launch from "../src/Launch.js"
import { scaled } from "./support/Patience.js"
import { type Database, type Server, sqliteDatabase, start } from "./support/Server.js"

const repositoryRoot = join(import.meta.dirname, "..", "..", "..")

/** The first `sh` block after the walkthrough's heading in the README. */
const walkthrough = (): string => {
  const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8")
  const heading = readme.indexOf("### One engagement over HTTP")
  assert.isAtLeast(heading, 0, "the README has the walkthrough's heading")
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(heading))
  assert.isNotNull(block, "the walkthrough has an sh block")
  return block![1]!
}

/** What one run printed: every answer with its status, in order, and the lines of the feed. */
interface Run {
  readonly answers: ReadonlyArray<{ readonly status: number; readonly body: Record<string, unknown> }>
  readonly feed: ReadonlyArray<string>
}

/** Runs the walkthrough with bash at the repository root, with the server's `PORT` and data directory. */
const runWalkthrough = (script: string, port: string, dataDir: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFile(
      "bash",
      ["-c", script],
      {
        cwd: repositoryRoot,
        env: Launch.environment({ PORT: port, STINT_DATA_DIR: dataDir }),
        // An outer bound for a hang (curl waits on the feed); scaled, since the host may be slow.
        timeout: scaled(120_000)
      },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`the walkthrough failed: ${error.message}\n${stdout}\n${stderr}`))
        if (stderr !== "") return reject(new Error(`the walkthrough wrote to stderr:\n${stderr}`))
        const answers: Array<Run["answers"][number]> = []
        const feed: Array<string> = []
        for (const line of stdout.split("\n")) {
          // Each answer is the JSON body, a space and the status (curl's `-w ' %{http_code}\n'`).
          const answer = /^(\{.*\}) (\d{3})$/.exec(line)
          if (answer !== null) answers.push({ status: Number(answer[2]), body: JSON.parse(answer[1]!) })
          else if (line !== "") feed.push(line)
        }
        resolve({ answers, feed })
      }
    )
  })

describe("the README walkthrough", () => {
  let database: Database
  let server: Server

  beforeAll(async () => {
    database = sqliteDatabase()
    // As a newcomer runs it: no STINT_SECRET, so the server writes the development secret the token
    // script reads from the data directory.
    server = await start(database, { unset: ["STINT_SECRET"] })
  })

  afterAll(async () => {
    if (server !== undefined && server.process.exitCode === null && server.process.signalCode === null) {
      await server.stop()
    }
    await database?.dispose()
  })

  it("runs twice in a row on the same data, with the answers it promises both times", async () => {
    const script = walkthrough()
    const port = new URL(server.url).port
    const runs = [
      await runWalkthrough(script, port, database.dataDir),
      await runWalkthrough(script, port, database.dataDir)
    ]
    for (const [index, run] of runs.entries()) {
      const context = `run ${index + 1}: ${JSON.stringify(run.answers, null, 1)}`
      const [, asOffered, refused, , , , benJournal, anaJournal, , , , closed, given, retried] = run.answers
      assert.deepStrictEqual(
        run.answers.map((answer) => answer.status),
        [200, 200, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
        context
      )
      assert.strictEqual(asOffered!.body.state, "requested", context)
      assert.strictEqual(refused!.body.refusal, "NotAllowed", context)
      assert.include(JSON.stringify(benJournal!.body), "Ask about variance", context)
      assert.notInclude(JSON.stringify(anaJournal!.body), "Ask about variance", context)
      assert.strictEqual(closed!.body.state, "completed", context)
      assert.strictEqual(given!.body.replayed, false, context)
      assert.strictEqual(retried!.body.replayed, true, context)
      assert.strictEqual(retried!.body.commandId, given!.body.commandId, context)
      assert.isTrue(
        run.feed.some((line) => line.startsWith("data: ") && line.includes(String(asOffered!.body.engagementId))),
        `run ${index + 1}'s feed shows its engagement: ${run.feed.join("\n")}`
      )
    }
    // Each run made its own engagement and used its own Idempotency-Key.
    assert.notStrictEqual(runs[0]!.answers[1]!.body.engagementId, runs[1]!.answers[1]!.body.engagementId)
    assert.notStrictEqual(runs[0]!.answers[12]!.body.commandId, runs[1]!.answers[12]!.body.commandId)
  })
})

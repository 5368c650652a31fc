/** `pnpm start` as a process: it opens SQLite under DATA_DIR, listens on loopback, and stops on SIGTERM. */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"

let child: ChildProcess | undefined
let directory: string | undefined

afterEach(() => {
  if (child?.exitCode === null) child.kill("SIGKILL")
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true })
})

it("starts on 127.0.0.1 with an SQLite file under DATA_DIR and stops cleanly", async () => {
  directory = mkdtempSync(join(tmpdir(), "stint-express-main-"))
  const tsx = createRequire(import.meta.url).resolve("tsx")
  child = spawn(process.execPath, ["--import", tsx, join(import.meta.dirname, "../src/main.ts")], {
    env: { ...process.env, PORT: "0", DATA_DIR: directory },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const url = await new Promise<string>((resolve, reject) => {
    let output = ""
    child?.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    })
    child?.once("exit", (code) => reject(new Error(`exited with ${code} before listening: ${output}`)))
  })
  const health = await fetch(`${url}/health`)
  expect(await health.json()).toEqual({ ok: true })
  expect(existsSync(join(directory, "stint.db"))).toBe(true)

  const exited = new Promise<number | null>((resolve) => child?.once("exit", resolve))
  child.kill("SIGTERM")
  expect(await exited).toBe(0)
})

#!/usr/bin/env node
/**
 * Mints a token for trying the API, in plain Node (no pnpm, no TypeScript loader: a fraction of a
 * second): `node examples/server/bin/mint-token.mjs <user> [user|admin] [hours]`. It signs with
 * `STINT_SECRET` when set, else with the development secret the server wrote into its data directory.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { mint, secretFileName } from "../src/TokenScheme.js"

const fail = (message) => {
  console.error(message)
  process.exit(2)
}

const [user, role = "user", hours = "24"] = process.argv.slice(2)
if (user === undefined || !/^[\w.@:+-]{1,128}$/.test(user) || (role !== "user" && role !== "admin")) {
  fail("usage: node examples/server/bin/mint-token.mjs <user id> [user|admin] [hours]")
}
const ttl = Math.round(Number(hours) * 3600)
if (!Number.isFinite(ttl) || ttl <= 0) fail("hours must be a positive number")

// `pnpm start` runs the server in examples/server, so a relative STINT_DATA_DIR (default `data`) is
// taken from there, wherever this script is run from.
const dataDir = resolve(fileURLToPath(new URL("..", import.meta.url)), process.env.STINT_DATA_DIR ?? "data")
// The file ServerConfig.developmentSecret writes; read only, so a wrong directory is an error here
// rather than a new secret whose tokens the server refuses with 401.
const secretFile = join(dataDir, secretFileName)
const readSecret = () => {
  try {
    return readFileSync(secretFile, "utf8").trim()
  } catch {
    return fail(
      `no development secret at ${secretFile}: start the server first (it writes one there), ` +
        "or set STINT_DATA_DIR (or STINT_SECRET) as the server has it"
    )
  }
}
const secret = process.env.STINT_SECRET ?? readSecret()
if (secret.length < 32) fail("STINT_SECRET must be at least 32 characters")

console.log(mint(secret, { sub: user, role }, Math.floor(Date.now() / 1000), ttl))

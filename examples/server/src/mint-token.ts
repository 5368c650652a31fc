/**
 * Mints a token for trying the API: `npx -y pnpm@10 --silent mint-token <user> [user|admin] [hours]`. It signs with
 * `STINT_SECRET` when set, else with the development secret in `STINT_DATA_DIR` (`./data`), which the
 * server also uses.
 */
import { resolve } from "node:path"
import { developmentSecret } from "./ServerConfig.js"
import * as Token from "./Token.js"

const [user, role = "user", hours = "24"] = process.argv.slice(2)
if (user === undefined || !/^[\w.@:+-]{1,128}$/.test(user) || (role !== "user" && role !== "admin")) {
  console.error("usage: token <user id> [user|admin] [hours]")
  process.exit(2)
}
const secret = process.env.STINT_SECRET ?? developmentSecret(resolve(process.env.STINT_DATA_DIR ?? "data"))
const ttl = Math.round(Number(hours) * 3600)
if (!Number.isFinite(ttl) || ttl <= 0) {
  console.error("hours must be a positive number")
  process.exit(2)
}
console.log(Token.mint(secret, { sub: user, role }, Math.floor(Date.now() / 1000), ttl))

/**
 * Starts the example on an SQLite file under `DATA_DIR` (default `data/`), on 127.0.0.1 at `PORT`
 * (default 3000): `npx -y pnpm@10 --filter @stint/example-embed-express start`.
 */
import { join } from "node:path"
import { open } from "@stint/node"
import { createApp } from "./app.js"

const port = Number(process.env.PORT ?? 3000)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`)
  process.exit(1)
}
const database = join(process.env.DATA_DIR ?? "data", "stint.db")

const stint = await open({ database })
const server = createApp(stint).listen(port, "127.0.0.1", () => {
  const address = server.address()
  const bound = typeof address === "object" && address !== null ? address.port : port
  console.log(`embed-express listening on http://127.0.0.1:${bound} (SQLite at ${database})`)
})

const stop = () => {
  server.close(() => {
    stint.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  })
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)

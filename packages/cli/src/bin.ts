/** The built-in `stint`: the built-in read models registered as the example server runs them. */
import * as Cli from "./Cli.js"

// Run as `pnpm stint …`, the working directory is this package's; relative SQLite paths are the operator's.
if (process.env.npm_lifecycle_event === "stint" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)

Cli.main()

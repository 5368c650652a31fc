import * as SqlEventStore from "@stint/sql/SqlEventStore"
import { storeContract } from "@stint/testing/StoreContract"
import * as Layer from "effect/Layer"
import { describePg, pgClient, sqliteClient } from "./fixtures.js"

storeContract("SQLite file", SqlEventStore.layer().pipe(Layer.provide(sqliteClient())))

describePg("PostgreSQL", () => {
  storeContract("PostgreSQL", SqlEventStore.layer().pipe(Layer.provide(pgClient())))
})

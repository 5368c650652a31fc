import * as SqlCheckpointStore from "@stint/sql/SqlCheckpointStore"
import { checkpointStoreContract } from "@stint/testing/CheckpointStoreContract"
import * as Layer from "effect/Layer"
import { describePg, pgClient, sqliteClient } from "./fixtures.js"

checkpointStoreContract("SQLite file", SqlCheckpointStore.layer().pipe(Layer.provide(sqliteClient())))

describePg("PostgreSQL", () => {
  checkpointStoreContract("PostgreSQL", SqlCheckpointStore.layer().pipe(Layer.provide(pgClient())))
})

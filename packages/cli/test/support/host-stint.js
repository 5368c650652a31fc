#!/usr/bin/env node
// A host's own `stint` (see host.ts), started the way bin/stint.js starts the built-in one.
import { register } from "tsx/esm/api"

register()
await import("./host.ts")

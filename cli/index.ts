#!/usr/bin/env bun
import { processIo } from './io';
import { runCli } from './program';

const code = await runCli(process.argv.slice(2), processIo);
// `serve` returns after a graceful shutdown; everything else is done: exit with its code.
process.exit(code);

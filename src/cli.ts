#!/usr/bin/env node
// The pkgapp executable: runs the CLI and exits with its code. Everything process-wide lives
// here and in src/cli/ (V8 settings, stream errors, the exit hook, signals), never in the library.
import './cli/young-generation.js'; // first: V8 heap settings, before any module allocates
import { main } from './cli/main.js';
import { installProcessHooks } from './cli/process-hooks.js';

installProcessHooks();
process.exitCode = await main(process.argv.slice(2));

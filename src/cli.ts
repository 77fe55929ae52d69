#!/usr/bin/env node
// The pkgapp executable: runs the CLI and exits with its code.
import './util/young-generation.js'; // first: V8 heap settings, before any module allocates
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
'use strict';
// Prints a greeting: the command-line side of the example app.
const name = process.argv[2] || 'world';
console.log(`hello, ${name}`);

'use strict';
// A small HTTP service: greets, counts visits in its state directory, reports who runs it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const { version } = require('./package.json');

const greeting = process.env.GREETING;
if (!greeting) {
  console.error('GREETING is not set');
  process.exit(1);
}
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const stateDir = process.env.STATE_DIRECTORY || path.join(os.tmpdir(), 'hello');
const counterFile = path.join(stateDir, 'visits');

function countVisit() {
  let visits = 0;
  try {
    visits = Number(fs.readFileSync(counterFile, 'utf8')) || 0;
  } catch {
    // first visit
  }
  visits += 1;
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(counterFile, String(visits));
  return visits;
}

const app = express();
app.get('/', (req, res) => {
  res.json({ greeting, version, visits: countVisit(), user: os.userInfo().username, pid: process.pid });
});
app.listen(port, host, () => console.log(`hello ${version} listening on http://${host}:${port}`));

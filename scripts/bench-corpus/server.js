'use strict';
// The benchmark corpus app: a small HTTP service standing in for a real production server.
const http = require('node:http');
const { version } = require('./package.json');

const port = Number(process.env.PORT || 3000);
http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, version }));
  })
  .listen(port, '127.0.0.1', () => console.log(`bench-server ${version} listening on ${port}`));

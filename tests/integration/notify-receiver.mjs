#!/usr/bin/env node
// A local HTTPS receiver for notify_test.sh: records every request
// ({method, url, body}) as a JSON line to FILE, answering 200; with
// mode hang it accepts requests and never answers.
// Usage: notify-receiver.mjs PORT CERT KEY FILE [record|hang]
import fs from 'node:fs';
import https from 'node:https';

const [port, cert, key, file, mode = 'record'] = process.argv.slice(2);
const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (mode === 'hang') return;  // never answers
    fs.appendFileSync(file, JSON.stringify({ method: req.method, url: req.url, body }) + '\n');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
});
server.listen(Number(port), '127.0.0.1');

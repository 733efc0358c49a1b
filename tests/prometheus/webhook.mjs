#!/usr/bin/env node
// A webhook receiver for Alertmanager in tests: appends one JSON line per
// notification ({path, body}) to FILE. Usage: webhook.mjs PORT FILE
import http from 'node:http';
import fs from 'node:fs';

const [port, file] = process.argv.slice(2);
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    fs.appendFileSync(file, JSON.stringify({ path: req.url, body: JSON.parse(body || 'null') }) + '\n');
    res.writeHead(200).end('ok');
  });
}).listen(Number(port), '127.0.0.1');

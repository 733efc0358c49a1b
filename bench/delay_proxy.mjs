// A TCP proxy that delays every chunk by a fixed time in each direction, to
// put a round-trip time between an SSH client and sshd (tc/netem is not
// available on the benchmark machine).
//   node bench/delay_proxy.mjs LISTEN_PORT TARGET_PORT UP_MS DOWN_MS
// UP_MS delays client->server chunks, DOWN_MS server->client; their sum is
// the added round trip. Order is kept (equal delays fire in order) and a
// side whose peer cannot take more is paused, so the proxy buffers no more
// than the SSH windows let through. Prints "listening PORT" when ready.
import net from 'node:net';

const [listenPort, targetPort, upMs, downMs] = process.argv.slice(2).map(Number);
if (![listenPort, targetPort, upMs, downMs].every(Number.isFinite)) {
  console.error('usage: node delay_proxy.mjs LISTEN_PORT TARGET_PORT UP_MS DOWN_MS');
  process.exit(2);
}

// Copies `from` to `to`, each chunk `ms` later than it arrived.
function pipeDelayed(from, to, ms) {
  let pending = 0;
  from.on('data', (chunk) => {
    pending++;
    const send = () => {
      pending--;
      if (!to.destroyed && !to.write(chunk)) from.pause();
    };
    if (ms > 0) setTimeout(send, ms); else send();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => {
    const finish = () => (pending > 0 ? setTimeout(finish, 1) : to.end());
    finish();
  });
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect({ host: '127.0.0.1', port: targetPort }, () => upstream.setNoDelay(true));
  pipeDelayed(client, upstream, upMs);
  pipeDelayed(upstream, client, downMs);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(listenPort, '127.0.0.1', () => console.log(`listening ${listenPort}`));

// A net.Server that answers every connection with a fixed HTTP response and closes it: what an
// accepted net.Socket alone costs the GC, without anything of Bascule. Run it with --trace-gc under
// wrk's close load and read the scavenges (how much stays after each) and the mark-compacts.
// Plain JavaScript: runs on bare `node`.
//
//   node --trace-gc bench/accept-gc.mjs MODE PORT &
//   wrk -t1 -c20 -d4s -H 'Connection: close' http://127.0.0.1:PORT/
//
// MODE: read-destroy  read the request, answer, destroy (Bascule's close path)
//       read-end      read the request, answer, end (FIN, then Node closes)
//       unread        answer and destroy at once, no 'data' listener
//       paused        pauseOnConnect: never read; answer and destroy
import net from 'node:net';

const [mode = 'read-destroy', portText = '18080'] = process.argv.slice(2);
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
const modes = ['read-destroy', 'read-end', 'unread', 'paused'];
if (!modes.includes(mode)) throw new Error(`MODE: ${modes.join(', ')}`);

net
  .createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: mode === 'paused' }, (s) => {
    s.on('error', () => {});
    if (mode === 'unread' || mode === 'paused') {
      s.end(RESPONSE);
      s.destroy();
      return;
    }
    s.on('data', () => {
      s.write(RESPONSE);
      if (mode === 'read-end') s.end();
      else s.destroy();
    });
  })
  .listen(Number(portText), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

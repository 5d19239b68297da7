/**
 * The event-stream clients of `npm run bench:sse`, in a process of their own so that reading
 * the streams does not slow the bench's load publisher (two cores: the platform, influxd, the
 * publisher and these clients each want one). Opens SSE_URL's stream SSE_CLIENTS times and
 * answers 'bytes' messages with the bytes received so far.
 */
import { request, type ClientRequest } from 'node:http';

const url = process.env.SSE_URL!;
const count = Number(process.env.SSE_CLIENTS ?? 200);
let bytes = 0;
const requests: ClientRequest[] = [];
for (let i = 0; i < count; i += 1) {
  const req = request(`${url}/api/v1/stream`, { headers: { accept: 'text/event-stream' } }, (res) => res.on('data', (chunk: Buffer) => { bytes += chunk.length; }));
  req.on('error', () => undefined); // a stream the platform drops, or ends at shutdown, is counted by the platform's metric
  req.end();
  requests.push(req);
}
process.on('message', (message) => {
  if (message === 'bytes') process.send!({ bytes });
  if (message === 'stop') {
    for (const req of requests) req.destroy();
    process.exit(0);
  }
});
process.send!({ ready: true });

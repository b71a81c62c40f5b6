// The REST gateway (/api/v1 on the HTTP port) and the unary Consume.Fetch / Consume.Settle RPCs as clients nobody
// at Junction wrote see them: Node's own fetch and raw sockets (node:net) for HTTP, @grpc/grpc-js with
// @grpc/proto-loader reading the shipped proto for gRPC, against a real server in the default mode.
//
//   node rest.test.mjs --http 127.0.0.1:PORT --server 127.0.0.1:PORT --proto path/to/junction/v1/junction.proto
//
// Run by NodeWireTest (junction-server).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: args } = parseArgs({
  options: { http: { type: 'string' }, server: { type: 'string' }, proto: { type: 'string' } },
});
if (!args.http || !args.server || !args.proto) {
  console.error('usage: node rest.test.mjs --http HOST:PORT --server HOST:PORT --proto junction.proto');
  process.exit(2);
}
const base = `http://${args.http}/api/v1`;
const definition = protoLoader.loadSync(args.proto, { longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).junction.v1;
const consume = new v1.Consume(args.server, grpc.credentials.createInsecure());
after(() => consume.close());

async function rest(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

/** Sends `request` as raw bytes on a new connection; resolves with what the server answered before closing. */
function raw(request) {
  const [host, port] = args.http.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host, () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk.toString('latin1'); });
    socket.on('end', () => resolve(answer));
    socket.on('error', (e) => (answer ? resolve(answer) : reject(e)));
    socket.setTimeout(10_000, () => { socket.destroy(); resolve(answer); });
  });
}

function unary(method, request) {
  return new Promise((resolve) => {
    consume[method](request, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) => {
      resolve(error ? { error } : { response });
    });
  });
}

test('produce, fetch, ack over REST: receipts, a leased message, nothing left', async () => {
  const created = await rest('POST', '/stations', { name: 'node-rest', partitions: 1 });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const produced = await rest('POST', '/stations/node-rest/messages',
    { messages: [{ key: 'emp-1', value: 'hired', headers: { source: 'node' } }] });
  assert.equal(produced.status, 201);
  assert.deepEqual(produced.json.receipts, [{ partition: 0, offset: 0, duplicate: false }]);

  const fetched = await rest('POST', '/stations/node-rest/groups/sync/fetch', { max: 5, wait_ms: 1000 });
  assert.equal(fetched.status, 200);
  assert.equal(fetched.json.messages.length, 1);
  const m = fetched.json.messages[0];
  assert.equal(m.key, 'emp-1');
  assert.equal(m.value, 'hired');
  assert.equal(m.headers.source, 'node');
  assert.equal(m.deliveries, 1);
  assert.match(m.delivery_id, /^0-0-\d+$/);

  const acked = await rest('POST', '/stations/node-rest/groups/sync/ack', { delivery_ids: [m.delivery_id] });
  assert.deepEqual(acked.json, { settled: 1, stale: [] });
  const group = await rest('GET', '/stations/node-rest/groups/sync');
  assert.equal(group.json.lag, 0);
});

test('errors are an HTTP status and {code, message}, with security headers', async () => {
  const unknown = await rest('GET', '/stations/no-such-station');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.code, 'UNKNOWN_STATION');
  assert.ok(unknown.json.message.length > 0);
  assert.equal(unknown.headers.get('x-content-type-options'), 'nosniff');
  assert.match(unknown.headers.get('content-security-policy'), /frame-ancestors 'none'/);

  const malformed = await rest('POST', '/stations/node-rest/messages', '{"messages": [');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.code, 'INVALID_ARGUMENT');
  const huge = await rest('POST', '/stations/node-rest/groups/sync/fetch', { max: 1e9 });
  assert.equal(huge.status, 400);
  assert.equal(huge.json.code, 'INVALID_ARGUMENT');
});

test('raw HTTP: garbage, a lying Content-Length and a body over the limit leave the server up', async () => {
  const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.ok(garbage === '' || /^HTTP\/1\.1 4\d\d/.test(garbage), `refused or closed, not: ${garbage}`);
  const tooLarge = await raw(`POST /api/v1/stations/node-rest/messages HTTP/1.1\r\nHost: x\r\n`
    + `Content-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{"messages":`);
  assert.match(tooLarge, /^HTTP\/1\.1 413/);
  assert.match(tooLarge, /MESSAGE_TOO_LARGE/);
  const traversal = await raw('GET /api/v1/stations/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(traversal, /^HTTP\/1\.1 4\d\d/);
  const stations = await rest('GET', '/stations');
  assert.equal(stations.status, 200);
  assert.deepEqual(stations.json.stations.map((s) => s.name), ['node-rest']);
  assert.equal((await rest('GET', '/stations/node-rest')).json.messages, 1);
});

test('Consume.Fetch and Consume.Settle over gRPC: a lease, then an ack', async () => {
  await rest('POST', '/stations/node-rest/messages', { messages: [{ key: 'emp-2', value: 'moved' }] });
  // proto-loader's objects name fields in lowerCamelCase (wait_ms: waitMs)
  const { response, error } = await unary('Fetch', { station: 'node-rest', group: 'grpc', max: 10, waitMs: 1000 });
  assert.equal(error, undefined, String(error));
  assert.equal(response.messages.length, 2);
  const refs = response.messages.map((m) => ({ partition: m.partition, offset: m.offset,
    deliveryId: m.deliveryId }));
  const settled = await unary('Settle', { station: 'node-rest', group: 'grpc', ack: { messages: refs } });
  assert.equal(settled.error, undefined, String(settled.error));
  assert.equal(settled.response.settled, 2);
  assert.deepEqual(settled.response.stale, []);
  const again = await unary('Settle', { station: 'node-rest', group: 'grpc', ack: { messages: refs } });
  assert.equal(again.response.settled, 0);
  assert.equal(again.response.stale.length, 2);
  const refused = await unary('Fetch', { station: 'node-rest', group: 'grpc', max: 5000 });
  assert.equal(refused.error.code, grpc.status.INVALID_ARGUMENT);
});

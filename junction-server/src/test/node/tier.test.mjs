// Tiered storage (docs/tiering.md) as a client nobody at Junction wrote sees it: Node's @grpc/grpc-js with
// @grpc/proto-loader reading the shipped proto, against a real server uploading to S3Proxy. A station with tiny
// segments and 1 KiB kept locally: once its first segments are in the object store and gone from the local disk
// (read from TierStatus and GetStation, never concluded from a pause), a new group reads the whole station from
// offset 0 — every message once, in offset order, keys in order — acking each, and a browse from offset 0 and a
// "full" history group read the same. The messages carry producer timestamps years older than their append (a
// backfill): a group started at a time and a browse from a time begin at the exact record inside a remote segment.
//
//   node tier.test.mjs --server 127.0.0.1:PORT --proto path/to/junction/v1/junction.proto
//
// Run by NodeWireTest (junction-server) with a server started with --s3-bucket against S3Proxy.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: args } = parseArgs({ options: { server: { type: 'string' }, proto: { type: 'string' } } });
if (!args.server || !args.proto) {
  console.error('usage: node tier.test.mjs --server HOST:PORT --proto junction/v1/junction.proto');
  process.exit(2);
}

const WAIT_MS = 60_000;
const STATION = 'archive';
const MESSAGES = 400;
const KEYS = 7;
/** Message i's producer timestamp: BASE_MS + i seconds (2020, long before it was appended). */
const BASE_MS = Date.UTC(2020, 0, 1);

const definition = protoLoader.loadSync(args.proto, { longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).junction.v1;
const credentials = grpc.credentials.createInsecure();
const admin = new v1.Admin(args.server, credentials);
const producer = new v1.Produce(args.server, credentials);
const consumer = new v1.Consume(args.server, credentials);
const calls = [];

after(() => {
  for (const c of calls) {
    c.cancel();
  }
  admin.close();
  producer.close();
  consumer.close();
});

function adminCall(method, request) {
  return new Promise((resolve, reject) => {
    admin[method](request, { deadline: Date.now() + 10_000 }, (error, response) => {
      if (error) {
        reject(error);
      } else {
        resolve(response);
      }
    });
  });
}

/** Stores the messages in one request; resolves once they are durable. */
function produce(requestId, messages) {
  const call = producer.Produce();
  calls.push(call);
  return new Promise((resolve, reject) => {
    call.on('data', (response) => {
      call.end();
      if (response.error) {
        reject(new Error(`produce failed: ${JSON.stringify(response.error)}`));
      } else {
        resolve(response.receipts);
      }
    });
    call.on('error', reject);
    call.write({ station: STATION, requestId, messages });
  });
}

/** Polls `check` until it returns a value (not undefined), at most WAIT_MS. */
async function until(what, check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    }
    await sleep(200);
  }
}

/** A new group's member reads `count` messages from `start`, acking each as it comes: the messages, in order. */
function readAll(group, count, history, start = { earliest: true }) {
  const call = consumer.Consume();
  calls.push(call);
  const got = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${group}: ${got.length} of ${count} within ${WAIT_MS} ms`)),
      WAIT_MS);
    call.on('data', (response) => {
      const messages = response.kind === 'message' ? [response.message]
        : response.kind === 'batch' ? response.batch.messages : [];
      for (const m of messages) {
        got.push(m);
        call.write({ ack: { messages: [{ partition: m.partition, offset: m.offset, deliveryId: m.deliveryId }] } });
        call.write({ credit: { messages: 1 } });
      }
      if (got.length >= count) {
        clearTimeout(timer);
        call.end();
        resolve(got);
      }
    });
    call.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    call.write({
      subscribe: {
        station: STATION, group, memberName: 'node', initialCredits: 100, batches: true, history, start,
      },
    });
  });
}

function checkWhole(messages, what, from = 0) {
  assert.equal(messages.length, MESSAGES - from, `${what}: count`);
  messages.forEach((m, index) => {
    const i = from + index;
    assert.equal(m.offset, String(i), `${what}: offsets in order, each once`);
    assert.equal(Buffer.from(m.value).toString(), `v${i}`, `${what}: value at ${i}`);
    assert.equal(Buffer.from(m.key).toString(), `k${i % KEYS}`, `${what}: key at ${i}`);
  });
}

test('a new group reads back, from the object store, what left the local disk', async () => {
  await adminCall('CreateStation', {
    name: STATION,
    config: {
      partitions: 1, segmentBytes: '1024', tiering: true, localRetentionBytes: '1024', dedupWindowMs: '1000',
    },
  });
  for (let i = 0; i < MESSAGES; i += 40) {
    const batch = [];
    for (let j = i; j < i + 40; j++) {
      batch.push({
        key: Buffer.from(`k${j % KEYS}`), value: Buffer.from(`v${j}`), timestampMs: String(BASE_MS + j * 1000),
      });
    }
    await produce(i + 1, batch);
  }

  // the server's tier worker uploads the sealed segments and trims the local disk once they are out of the
  // dedup window (1 s): wait for that state, read from the server
  const status = await until('segments uploaded and gone from the local disk', async () => {
    const s = (await adminCall('TierStatus', { station: STATION })).partitions[0];
    return s && s.remoteFirstOffset === '0' && Number(s.localFirstOffset) > 0 && s.failures === 0 ? s : undefined;
  });
  assert.ok(Number(status.remoteSegments) > 0, 'remote segments');
  assert.ok(Number(status.remoteEndOffset) >= Number(status.localFirstOffset), 'the ranges meet');
  const info = await adminCall('GetStation', { name: STATION });
  const p = info.partitions[0];
  assert.equal(p.remoteEarliestOffset, '0');
  assert.equal(p.earliestOffset, '0', 'the station still starts at 0');
  assert.ok(Number(p.localEarliestOffset) > 0, `local from ${p.localEarliestOffset}`);

  checkWhole(await readAll('replayer', MESSAGES, ''), 'compacted (default) view');
  checkWhole(await readAll('historian', MESSAGES, 'full'), 'full history');

  const browsed = await adminCall('BrowseMessages', {
    station: STATION, partition: 0, from: { offset: '0' }, limit: 5,
  });
  assert.deepEqual(browsed.messages.map((m) => Buffer.from(m.value).toString()), ['v0', 'v1', 'v2', 'v3', 'v4']);

  // a time inside the remote part: the first record at or after it, not the start of a segment (nor offset 0)
  const at = Math.floor(Number(p.localEarliestOffset) / 2);
  assert.ok(at > 0 && at < Number(p.localEarliestOffset), `offset ${at} is in the object store only`);
  const fromTime = await readAll('from-a-time', MESSAGES - at, '',
    { timestampMs: String(BASE_MS + at * 1000 - 500) });
  checkWhole(fromTime, `a group started at message ${at}'s time`, at);
  const browsedAt = await adminCall('BrowseMessages', {
    station: STATION, partition: 0, from: { timestampMs: String(BASE_MS + (at + 3) * 1000) }, limit: 2,
  });
  assert.deepEqual(browsedAt.messages.map((m) => m.offset), [String(at + 3), String(at + 4)], 'browse from a time');
});

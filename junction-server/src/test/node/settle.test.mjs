// Delivery-scoped settlement (junction.proto, section "Consume") as a client nobody at Junction wrote sees it:
// Node's @grpc/grpc-js with @grpc/proto-loader reading the shipped proto, against a real server. The last test
// asks for deliveries as stored batches and reads them with docs/log-format.md alone (its own CRC32C and varints).
//
//   node settle.test.mjs --server 127.0.0.1:PORT --proto path/to/junction/v1/junction.proto
//
// Run by NodeWireTest (junction-server), which starts the server and runs `npm ci` here first. Every wait is
// bounded (WAIT_MS); that something did NOT happen is never concluded from a pause but read from the server's
// state: GetGroup answers on the group's thread after every command before it, and a sync ack (AckConfirmed) on a
// stream comes after everything the group sent that stream before it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: args } = parseArgs({ options: { server: { type: 'string' }, proto: { type: 'string' } } });
if (!args.server || !args.proto) {
  console.error('usage: node settle.test.mjs --server HOST:PORT --proto junction/v1/junction.proto');
  process.exit(2);
}

const WAIT_MS = 10_000;
/** Short, so that a delivery times out quickly; the minimum a station allows is 100 ms. */
const SHORT_ACK_TIMEOUT_MS = 300;
/** Set after the first delivery (a delivery keeps the deadline it was handed out with), so nothing else times out. */
const LONG_ACK_TIMEOUT_MS = 60_000;

// Long integers (offsets, lags, delivery ids) as strings, enums as names, defaults filled in, and the name of the
// field set in a oneof as `kind` (ConsumeRequest / ConsumeResponse).
const definition = protoLoader.loadSync(args.proto, {
  longs: String, enums: String, defaults: true, oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).junction.v1;
const credentials = grpc.credentials.createInsecure();
const admin = new v1.Admin(args.server, credentials);
const producer = new v1.Produce(args.server, credentials);
const consumer = new v1.Consume(args.server, credentials);
const members = [];

after(() => {
  for (const m of members) {
    m.call.cancel();
  }
  admin.close();
  producer.close();
  consumer.close();
});

function adminCall(method, request) {
  return new Promise((resolve, reject) => {
    admin[method](request, { deadline: Date.now() + WAIT_MS }, (error, response) => {
      if (error) {
        reject(error);
      } else {
        resolve(response);
      }
    });
  });
}

function createStation(name, ackTimeoutMs) {
  return adminCall('CreateStation', { name, config: { partitions: 1, ackTimeoutMs } });
}

/** Fields left 0 keep their value: only the ack timeout changes. */
function setAckTimeout(name, ackTimeoutMs) {
  return adminCall('UpdateStation', { name, config: { ackTimeoutMs } });
}

function getGroup(station, group) {
  return adminCall('GetGroup', { station, group });
}

/** Stores the messages (key, value) in one request; returns their receipts. */
async function produce(station, ...messages) {
  const call = producer.Produce();
  const answered = new Promise((resolve, reject) => {
    call.on('data', resolve);
    call.on('error', reject);
  });
  call.write({
    station,
    requestId: 1,
    messages: messages.map(([key, value]) => ({ key: Buffer.from(key), value: Buffer.from(value) })),
  });
  const response = await within(answered, 'a produce response');
  call.end();
  assert.equal(response.error, null, `produce failed: ${JSON.stringify(response.error)}`);
  return response.receipts;
}

async function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One consume stream: what it received, in order, and a way to wait for the next response of a kind. */
class Member {
  constructor(name) {
    this.name = name;
    this.received = [];
    this.pending = [];
    this.waiters = new Set();
    this.ended = null;
    this.ackIds = 0;
    this.call = consumer.Consume();
    this.call.on('data', (response) => {
      this.received.push(response);
      this.pending.push(response);
      this.wake();
    });
    this.call.on('error', (error) => {
      this.ended = error;
      this.wake();
    });
    this.call.on('end', () => {
      this.ended ??= new Error('the server ended the stream');
      this.wake();
    });
    members.push(this);
  }

  async subscribe(station, group, initialCredits) {
    this.call.write({ subscribe: { station, group, initialCredits, memberName: this.name, batches: true } });
    const subscribed = (await this.take('subscribed')).subscribed;
    this.memberId = subscribed.memberId;
    return subscribed;
  }

  /** Every message this stream got, batches taken apart. */
  messages() {
    return this.received.flatMap((r) => {
      if (r.kind === 'message') {
        return [r.message];
      }
      return r.kind === 'batch' ? r.batch.messages : [];
    });
  }

  /** The next message, waiting for it (bounded). */
  async nextMessage() {
    const taken = this.pending.findIndex((r) => r.kind === 'batch' && r.batch.messages.length > 1);
    if (taken >= 0) { // split a batch so that its messages are taken one by one
      const [batch] = this.pending.splice(taken, 1);
      this.pending.splice(taken, 0, ...batch.batch.messages.map((message) => ({ kind: 'message', message })));
    }
    const r = await this.take(['message', 'batch']);
    return r.kind === 'message' ? r.message : r.batch.messages[0];
  }

  credit(messages, startedThrough = '0') {
    this.call.write({ credit: { messages, startedThrough } });
  }

  ack(...refs) {
    this.call.write({ ack: { messages: refs } });
  }

  /** A sync ack; resolves with its AckConfirmed. */
  async ackSync(...refs) {
    const ackId = String(++this.ackIds);
    this.call.write({ ack: { messages: refs, sync: true, ackId } });
    return (await this.take('ackConfirmed', (c) => c.ackId === ackId)).ackConfirmed;
  }

  nack(...refs) {
    this.call.write({ nack: { messages: refs, delayMs: 0, error: 'late nack' } });
  }

  /**
   * Everything the group sent this stream before now has arrived once this returns: a sync ack naming no delivery
   * is answered after the group handled every earlier command, on the same stream as its deliveries.
   */
  async settle() {
    const confirmed = await this.ackSync({ partition: 0, offset: '0', deliveryId: '0' });
    assert.equal(confirmed.stale.length, 1, 'delivery id 0 names no delivery');
  }

  /** Takes the first pending response whose kind is one of `kinds` (and matches), waiting for it (bounded). */
  take(kinds, matches = () => true) {
    const wanted = Array.isArray(kinds) ? kinds : [kinds];
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      const attempt = () => {
        const i = this.pending.findIndex((r) => wanted.includes(r.kind) && matches(r[r.kind]));
        if (i >= 0) {
          done();
          resolve(this.pending.splice(i, 1)[0]);
        } else if (this.ended) {
          done();
          reject(new Error(`${this.name}: the stream ended (${this.ended.message}) before a ${wanted}; `
            + `it got ${this.describe()}`));
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${wanted} within ${WAIT_MS} ms; it got ${this.describe()}`));
      }, WAIT_MS);
      this.waiters.add(attempt);
      attempt();
    });
  }

  wake() {
    for (const attempt of [...this.waiters]) {
      attempt();
    }
  }

  describe() {
    return JSON.stringify(this.received.map((r) => ({ [r.kind]: r[r.kind] })), (k, v) => (v?.type === 'Buffer'
      ? Buffer.from(v.data).toString() : v));
  }

  close() {
    this.call.end();
  }
}

function ref(message) {
  return { partition: message.partition, offset: message.offset, deliveryId: message.deliveryId };
}

function memberInfo(group, member) {
  const info = group.members.find((m) => m.memberId === member.memberId);
  assert.ok(info, `${member.name} (${member.memberId}) is a member of ${JSON.stringify(group.members)}`);
  return info;
}

/** The first message that reaches any of `candidates` (bounded); which one got it, and the message. */
async function firstMessageOf(...candidates) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    for (const m of candidates) {
      if (m.pending.some((r) => r.kind === 'message' || r.kind === 'batch')) {
        return { member: m, message: await m.nextMessage() };
      }
    }
    await sleep(5);
  }
  throw new Error(`no message reached ${candidates.map((m) => m.name)} within ${WAIT_MS} ms`);
}

/**
 * The setting of the late-settlement tests: K:0 and K:1 share a key; member A (one credit) gets K:0 and lets its
 * short deadline pass, so K:0 goes to B (the ack timeout is long by then); C joins with credits, and K:1 must wait
 * for K:0 whatever A does.
 */
async function lateSettlementSetting(station) {
  await createStation(station, SHORT_ACK_TIMEOUT_MS);
  await produce(station, ['K', 'k0'], ['K', 'k1']);
  const a = new Member(`${station}-A`);
  await a.subscribe(station, 'g', 1);
  const first = await a.nextMessage();
  assert.equal(first.offset, '0');
  assert.equal(first.deliveries, 1);
  await setAckTimeout(station, LONG_ACK_TIMEOUT_MS);
  const b = new Member(`${station}-B`);
  assert.equal((await b.subscribe(station, 'g', 10)).ackTimeoutMs, String(LONG_ACK_TIMEOUT_MS));
  const again = await b.nextMessage(); // once A's deadline has passed
  assert.equal(again.offset, '0', 'K:0 went to B after A timed out');
  assert.equal(again.deliveries, 2);
  assert.notEqual(again.deliveryId, first.deliveryId, 'a new delivery, a new id');
  const c = new Member(`${station}-C`);
  await c.subscribe(station, 'g', 10);
  return { a, b, c, first, again };
}

/** B holds K:0, A and C hold nothing, C got nothing: read from the group, then from C's own stream. */
async function assertOnlyBHoldsK0(station, { a, b, c }) {
  const group = await getGroup(station, 'g');
  assert.equal(group.inFlight, '1', 'only K:0 is in flight: K:1 still waits for it');
  assert.equal(memberInfo(group, b).inFlight, '1');
  assert.equal(memberInfo(group, a).inFlight, '0');
  assert.equal(memberInfo(group, c).inFlight, '0');
  await c.settle();
  assert.deepEqual(c.messages(), [], 'C got nothing');
}

async function ackAndExpectK1(station, { b, c, again }) {
  const confirmed = await b.ackSync(ref(again));
  assert.deepEqual(confirmed.stale, [], "B's ack of the delivery it holds is applied");
  const { member, message } = await firstMessageOf(b, c);
  assert.equal(message.offset, '1', 'K:1 once K:0 is acked');
  assert.equal(message.deliveries, 1);
  assert.deepEqual((await member.ackSync(ref(message))).stale, []);
  assert.equal((await getGroup(station, 'g')).lag, '0');
}

test('Subscribed carries the member id and the ack timeout', async () => {
  await createStation('subscribed', SHORT_ACK_TIMEOUT_MS);
  const a = new Member('subscribed-A');
  const subscribed = await a.subscribe('subscribed', 'g', 0);
  assert.match(subscribed.memberId, /.+/);
  assert.equal(subscribed.ackTimeoutMs, String(SHORT_ACK_TIMEOUT_MS));
  assert.equal(subscribed.partitions, 1);
  memberInfo(await getGroup('subscribed', 'g'), a);
  a.close();
});

test('a sync ack of a delivery the member never got is stale, and the message is delivered all the same',
  async () => {
    await createStation('never', LONG_ACK_TIMEOUT_MS);
    await produce('never', ['K', 'k0']);
    const a = new Member('never-A');
    await a.subscribe('never', 'g', 0); // no credits: nothing is delivered
    const madeUp = { partition: 0, offset: '0', deliveryId: '12345' };
    const none = { partition: 0, offset: '0', deliveryId: '0' };
    assert.deepEqual((await a.ackSync(madeUp)).stale, [madeUp]);
    assert.deepEqual((await a.ackSync(none)).stale, [none]);
    const group = await getGroup('never', 'g');
    assert.equal(group.lag, '1', 'the stale acks changed nothing');
    assert.equal(group.inFlight, '0');
    a.credit(1);
    const message = await a.nextMessage();
    assert.equal(message.offset, '0');
    assert.equal(message.deliveries, 1);
    assert.notEqual(message.deliveryId, '0');
    assert.deepEqual((await a.ackSync(ref(message))).stale, []);
    assert.equal((await getGroup('never', 'g')).lag, '0');
    a.close();
  });

test('a late ack is stale: the delivery went to another member, which keeps it, and the key stays held',
  async () => {
    const setting = await lateSettlementSetting('late-ack');
    setting.a.ack(ref(setting.first));
    const stale = (await setting.a.take('stale')).stale;
    assert.equal(stale.kind, 'ack');
    assert.deepEqual(stale.messages, [ref(setting.first)]);
    await assertOnlyBHoldsK0('late-ack', setting);
    await ackAndExpectK1('late-ack', setting);
  });

test('a late nack is stale: the delivery stays with the member that has it now', async () => {
  const setting = await lateSettlementSetting('late-nack');
  setting.a.nack(ref(setting.first));
  const stale = (await setting.a.take('stale')).stale;
  assert.equal(stale.kind, 'nack');
  assert.deepEqual(stale.messages, [ref(setting.first)]);
  await assertOnlyBHoldsK0('late-nack', setting);
  await ackAndExpectK1('late-nack', setting);
});

test("a member acking another member's delivery is stale and changes nothing", async () => {
  await createStation('other', LONG_ACK_TIMEOUT_MS);
  await produce('other', ['K', 'k0'], ['K', 'k1']);
  const a = new Member('other-A');
  await a.subscribe('other', 'g', 1);
  const k0 = await a.nextMessage();
  const b = new Member('other-B');
  await b.subscribe('other', 'g', 10);
  assert.deepEqual((await b.ackSync(ref(k0))).stale, [ref(k0)], "A's delivery, named by B");
  b.ack(ref(k0));
  assert.deepEqual((await b.take('stale')).stale, { kind: 'ack', messages: [ref(k0)] });
  const group = await getGroup('other', 'g');
  assert.equal(group.lag, '2');
  assert.equal(group.inFlight, '1');
  assert.equal(memberInfo(group, a).inFlight, '1', 'A still holds K:0');
  assert.equal(memberInfo(group, b).inFlight, '0');
  await b.settle();
  assert.deepEqual(b.messages(), [], 'K:1 still waits for K:0');
  assert.deepEqual((await a.ackSync(ref(k0))).stale, [], 'A acks what it holds');
  const k1 = await b.nextMessage(); // A has no credits left
  assert.equal(k1.offset, '1');
  assert.deepEqual((await b.ackSync(ref(k1))).stale, []);
  assert.equal((await getGroup('other', 'g')).lag, '0');
});

// Credit.started_through restarts the deadline of a delivery still held, with the ack timeout of that moment. A
// delivery handed out under a 1 s timeout is reported started after the timeout went up to 60 s; then the test
// waits past the first deadline and checks that A's ack is still applied. Conclusive only when the report was
// applied before that first deadline: the report is confirmed applied by a sync ack sent after it (the group
// handles a stream's commands in order), and the delivery was handed out after A subscribed, so a confirmation
// within 1 s of subscribing proves it; otherwise (a very slow machine) the test is skipped, not failed.
test('Credit.started_through restarts the deadline of a delivery the member holds', async (t) => {
  const timeoutMs = 1_000;
  await createStation('started', timeoutMs);
  await produce('started', ['K', 'k0']);
  const a = new Member('started-A');
  const subscribedAt = performance.now();
  await a.subscribe('started', 'g', 1);
  const k0 = await a.nextMessage();
  const receivedAt = performance.now();
  await setAckTimeout('started', LONG_ACK_TIMEOUT_MS);
  a.credit(0, k0.deliveryId);
  await a.settle();
  if (performance.now() - subscribedAt >= timeoutMs) {
    t.skip(`inconclusive: the report was confirmed ${Math.round(performance.now() - subscribedAt)} ms after `
      + `subscribing, not within the ${timeoutMs} ms ack timeout`);
    return;
  }
  const b = new Member('started-B'); // would get K:0 if A's first deadline still held
  await b.subscribe('started', 'g', 10);
  await sleep(Math.max(0, receivedAt + timeoutMs + 500 - performance.now())); // past the first deadline
  const group = await getGroup('started', 'g');
  assert.equal(memberInfo(group, a).inFlight, '1', 'A still holds K:0 past its first deadline');
  assert.equal(memberInfo(group, b).inFlight, '0');
  assert.deepEqual((await a.ackSync(ref(k0))).stale, [], "A's ack is applied");
});

// ---- Deliveries as stored batches (StoredDeliveries), read with docs/log-format.md and nothing else ----

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads a record batch (docs/log-format.md, "Record batch"): its base offset and records, CRC32C checked. */
function readBatch(batch) {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  assert.equal(view.getInt32(8), batch.length, 'the batch length field is the batch');
  assert.equal(view.getUint32(12), crc32c(batch.subarray(16)), 'the batch passes its CRC32C');
  assert.equal(view.getInt8(16), 1, 'magic 1');
  const base = view.getBigInt64(0);
  const appendTime = view.getBigInt64(24);
  let at = 56;
  const varint = () => { // zig-zag
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = batch[at++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        return (result >> 1n) ^ -(result & 1n);
      }
    }
  };
  const bytes = () => {
    const length = Number(varint());
    if (length < 0) {
      return null;
    }
    at += length;
    return batch.subarray(at - length, at);
  };
  const records = [];
  for (let i = 0; i < view.getInt32(52); i++) {
    const length = Number(varint());
    const end = at + length;
    at += 1; // attributes
    const timestamp = appendTime + varint();
    const offset = base + varint();
    const key = bytes();
    const value = bytes();
    records.push({ offset: String(offset), timestamp: String(timestamp), key, value });
    at = end; // headers skipped
  }
  return records;
}

test('a client that says it reads stored batches gets them as stored, and settles them by their refs', async () => {
  await createStation('stored', LONG_ACK_TIMEOUT_MS);
  await produce('stored', ['emp-1', 'hired'], ['emp-2', 'hired too'], ['emp-1', 'moved']);
  const member = new Member('reader');
  member.call.write({ subscribe: { station: 'stored', group: 'g', initialCredits: 10, memberName: 'reader',
    batches: true, storedBatches: true } });
  await member.take('subscribed');
  const { stored } = await member.take('stored');
  assert.equal(stored.runs.length, 1, `one run: ${member.describe()}`);
  const run = stored.runs[0];
  // KEY ordering: emp-1's second message waits for its first, so two of the batch's three go out now.
  assert.deepEqual(run.offsets, ['0', '1']);
  const records = readBatch(run.batch);
  assert.deepEqual(records.map((r) => r.offset), ['0', '1', '2'], 'the whole batch, as stored');
  assert.deepEqual(records.map((r) => [Buffer.from(r.key).toString(), Buffer.from(r.value).toString()]),
    [['emp-1', 'hired'], ['emp-2', 'hired too'], ['emp-1', 'moved']]);

  const refs = run.offsets.map((offset, i) => ({ partition: run.partition, offset, deliveryId: run.deliveryIds[i] }));
  const confirmed = await member.ackSync(...refs);
  assert.equal(confirmed.stale.length, 0);
  const next = await member.take(['stored', 'batch', 'message']);
  const third = next.kind === 'stored' ? next.stored : null;
  assert.ok(third, `the third comes as stored deliveries too: ${member.describe()}`);
  const offsets = [...third.runs.flatMap((r) => r.offsets), ...third.messages.map((m) => m.offset)];
  assert.deepEqual(offsets, ['2'], 'emp-1 moved, once its first message was acked');
  member.close();
});

test('BrowseMessages pages through a partition without a group; ResetGroup moves a group back', async () => {
  const station = 'browse-wire';
  await createStation(station, LONG_ACK_TIMEOUT_MS);
  await produce(station, ['k0', 'v0'], ['k1', 'v1'], ['k2', 'a needle']);
  const first = await adminCall('BrowseMessages', { station, limit: 2 });
  assert.deepEqual(first.messages.map((m) => [m.offset, m.key.toString(), m.value.toString()]),
    [['0', 'k0', 'v0'], ['1', 'k1', 'v1']]);
  assert.equal(first.nextOffset, '2');
  assert.equal(first.endReached, false);
  const rest = await adminCall('BrowseMessages', { station, from: { offset: first.nextOffset }, search: 'needle' });
  assert.deepEqual(rest.messages.map((m) => m.offset), ['2']);
  assert.equal(rest.endReached, true);
  assert.equal((await getGroup(station, 'never-made').catch((e) => e)).code, grpc.status.NOT_FOUND,
    'browsing made no group');
  await assert.rejects(adminCall('BrowseMessages', { station, limit: 1001 }),
    (e) => e.code === grpc.status.INVALID_ARGUMENT);

  await adminCall('CreateGroup', { station, group: 'g', start: { latest: true } });
  assert.equal((await getGroup(station, 'g')).lag, '0');
  const reset = await adminCall('ResetGroup', { station, group: 'g', position: { offset: '1' } });
  assert.equal(reset.lag, '2');
  assert.equal(reset.partitions[0].ackFloor, '1');
});

// Authentication and authorization (junction.proto, service Access) as a client nobody at Junction wrote sees
// them: Node's @grpc/grpc-js with @grpc/proto-loader reading the shipped proto, against a real server started with
// --auth required. Root's password comes in the environment (JUNCTION_ROOT_PASSWORD), never on a command line.
//
//   JUNCTION_ROOT_PASSWORD=... node access.test.mjs --server 127.0.0.1:PORT --proto path/to/junction/v1/junction.proto
//
// Run by NodeWireTest (junction-server).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: args } = parseArgs({ options: { server: { type: 'string' }, proto: { type: 'string' } } });
const password = process.env.JUNCTION_ROOT_PASSWORD;
if (!args.server || !args.proto || !password) {
  console.error('usage: JUNCTION_ROOT_PASSWORD=... node access.test.mjs --server HOST:PORT --proto junction.proto');
  process.exit(2);
}

const WAIT_MS = 10_000;
const definition = protoLoader.loadSync(args.proto, { longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).junction.v1;
const credentials = grpc.credentials.createInsecure();
const access = new v1.Access(args.server, credentials);
const admin = new v1.Admin(args.server, credentials);

after(() => {
  access.close();
  admin.close();
});

/** Calls `method` of `client` with `authorization` (none when null); resolves with the answer or the error. */
function call(client, method, request, authorization) {
  const metadata = new grpc.Metadata();
  if (authorization) {
    metadata.set('authorization', authorization);
  }
  return new Promise((resolve) => {
    client[method](request, metadata, { deadline: Date.now() + WAIT_MS }, (error, response) => {
      resolve(error ? { error } : { response });
    });
  });
}

const basic = 'Basic ' + Buffer.from(`root:${password}`, 'utf8').toString('base64');
let session;

test('a call without credentials is refused with UNAUTHENTICATED, loopback or not', async () => {
  const { error } = await call(access, 'WhoAmI', {}, null);
  assert.equal(error?.code, grpc.status.UNAUTHENTICATED);
});

test('a wrong password is refused, and says nothing of which part was wrong', async () => {
  const bad = 'Basic ' + Buffer.from('root:not-the-password', 'utf8').toString('base64');
  const { error } = await call(access, 'Login', {}, bad);
  assert.equal(error?.code, grpc.status.UNAUTHENTICATED);
  assert.equal(error.details, 'wrong user or password');
});

test('Basic credentials open a session whose token then authenticates as Bearer', async () => {
  const { response, error } = await call(access, 'Login', {}, basic);
  assert.equal(error, undefined);
  assert.match(response.token, /^jn_[0-9a-f]{20}_[A-Za-z0-9_-]{43}$/);
  session = `Bearer ${response.token}`;
  const me = await call(access, 'WhoAmI', {}, session);
  assert.equal(me.response.user, 'root');
  assert.equal(me.response.via, 'session');
});

test('a viewer token of another tenant reads its own, is denied changes, and sees nothing of default', async () => {
  assert.equal((await call(access, 'CreateTenant', { name: 'node' }, session)).error, undefined);
  assert.equal((await call(admin, 'CreateStation', { tenant: 'node', name: 'seen' }, session)).error, undefined);
  assert.equal((await call(admin, 'CreateStation', { name: 'secret' }, session)).error, undefined);
  const made = await call(access, 'CreateToken', { tenant: 'node', name: 'v', role: 'viewer' }, session);
  assert.equal(made.error, undefined);
  const viewer = `Bearer ${made.response.secret}`;

  const listed = await call(admin, 'ListStations', {}, viewer);
  assert.deepEqual(listed.response.stations.map((s) => `${s.tenant}/${s.name}`), ['node/seen']);

  const create = await call(admin, 'CreateStation', { name: 'mine' }, viewer);
  assert.equal(create.error?.code, grpc.status.PERMISSION_DENIED);
  assert.match(create.error.details, /lacks the permission 'manage-stations'/);

  const other = await call(admin, 'GetStation', { tenant: 'default', name: 'secret' }, viewer);
  const nowhere = await call(admin, 'GetStation', { tenant: 'nowhere', name: 'secret' }, viewer);
  assert.equal(other.error?.code, grpc.status.NOT_FOUND);
  assert.equal(other.error.details, "tenant 'default' does not exist");
  assert.equal(nowhere.error.details, "tenant 'nowhere' does not exist");

  assert.equal((await call(access, 'RevokeToken', { tenant: 'node', name: 'v' }, session)).error, undefined);
  const revoked = await call(access, 'WhoAmI', {}, viewer);
  assert.equal(revoked.error?.code, grpc.status.UNAUTHENTICATED);
});

test('the refusals are in the audit log, without the password', async () => {
  const listed = await call(access, 'ListAudit', { tenant: 'default' }, session);
  assert.equal(listed.error, undefined);
  const results = listed.response.entries.map((e) => `${e.action} ${e.result}`);
  assert.ok(results.includes('WhoAmI UNAUTHENTICATED'), results.join(', '));
  assert.ok(results.includes('Login UNAUTHENTICATED'), results.join(', '));
  assert.ok(!JSON.stringify(listed.response).includes(password));
  const node = await call(access, 'ListAudit', { tenant: 'node' }, session);
  assert.ok(node.response.entries.some((e) => e.action === 'CreateStation' && e.result === 'PERMISSION_DENIED'
      && e.who === 'token v@node'));
});

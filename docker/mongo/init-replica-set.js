/* global Mongo, print, quit, sleep, process */
// mongosh script run once by the `mongo-init` service (mongosh --nodb): initiates the replica set RS_NAME
// with the members RS_MEMBERS ("host:port,host:port,..."), then waits until every member is PRIMARY or
// SECONDARY. Idempotent: a set that is already initiated is left as it is (a different set name fails).

const setName = process.env.RS_NAME ?? '';
const members = (process.env.RS_MEMBERS ?? '')
  .split(',')
  .map((m) => m.trim())
  .filter((m) => m !== '');
const waitMs = Number(process.env.RS_WAIT_SECONDS ?? '180') * 1000;

function fail(message) {
  print(`mongo-init: ${message}`);
  quit(1);
}

// Retries `check` once a second until it returns true; its last error is reported on timeout.
function waitFor(what, check) {
  const deadline = Date.now() + waitMs;
  let last = 'not yet';
  for (;;) {
    try {
      if (check()) return;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) fail(`timed out waiting for ${what}: ${last}`);
    sleep(1000);
  }
}

function connect(host) {
  return new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=2000`);
}

function answersPing(host) {
  const conn = connect(host);
  try {
    return conn.getDB('admin').runCommand({ ping: 1 }).ok === 1;
  } finally {
    conn.close();
  }
}

const notInitiated = (e) => e.code === 94 || e.codeName === 'NotYetInitialized';

// The set's status, or undefined while it is not initiated (mongosh throws on ok:0; a plain reply is checked too).
function replicaSetStatus(admin) {
  let reply;
  try {
    reply = admin.runCommand({ replSetGetStatus: 1 });
  } catch (err) {
    if (notInitiated(err)) return undefined;
    throw err;
  }
  if (reply.ok === 1) return reply;
  if (notInitiated(reply)) return undefined;
  throw new Error(`replSetGetStatus failed: ${reply.errmsg}`);
}

if (setName === '' || members.length === 0) fail('RS_NAME and RS_MEMBERS must be set');

// Every member must answer before it can join the set.
for (const host of members) {
  waitFor(`member ${host}`, () => answersPing(host));
}

const first = connect(members[0]).getDB('admin');
const status = replicaSetStatus(first);
if (status === undefined) {
  // The first member gets the higher priority so that it is the usual primary.
  const config = {
    _id: setName,
    members: members.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })),
  };
  const reply = first.runCommand({ replSetInitiate: config });
  if (reply.ok !== 1) fail(`replSetInitiate failed: ${reply.errmsg}`);
  print(`mongo-init: initiated replica set '${setName}' with ${members.join(', ')}`);
} else if (status.set !== setName) {
  fail(`member ${members[0]} already belongs to replica set '${status.set}', not '${setName}'`);
} else {
  print(`mongo-init: replica set '${setName}' is already initiated; nothing to do`);
}

waitFor(`replica set '${setName}' to elect a primary and sync its secondaries`, () => {
  const s = replicaSetStatus(first);
  if (s === undefined) return false;
  const states = s.members.map((m) => m.stateStr);
  return states.includes('PRIMARY') && states.every((st) => st === 'PRIMARY' || st === 'SECONDARY');
});
print(`mongo-init: replica set '${setName}' is ready`);

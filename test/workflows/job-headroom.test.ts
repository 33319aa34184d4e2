import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextHeadroom, noCapture } from '../../src/workflows/job-headroom.js';

const reading = (seconds: number, thresholdSeconds: number, at: string) => ({ seconds, thresholdSeconds, at });

describe('job headroom warning', () => {
  it('warns once when headroom falls below the threshold, keeps the start time while it stays low', () => {
    const ok = nextHeadroom(undefined, reading(5000, 3600, 't1'));
    assert.equal(ok.headroom?.warning, undefined);
    assert.equal(ok.event, undefined);

    const low = nextHeadroom(ok.headroom, reading(3000, 3600, 't2'));
    assert.match(low.headroom!.warning!, /^oplog headroom is 3000s, below the job's threshold of 3600s/);
    assert.equal(low.headroom!.since, 't2');
    assert.equal(low.event?.kind, 'headroom low');

    const still = nextHeadroom(low.headroom, reading(2000, 3600, 't3'));
    assert.equal(still.event, undefined, 'no second event while the warning stands');
    assert.equal(still.headroom!.since, 't2');
    assert.match(still.headroom!.warning!, /is 2000s/);
  });

  it('clears the warning with an event when headroom recovers or the threshold is lowered', () => {
    const low = nextHeadroom(undefined, reading(100, 3600, 't1'));
    const recovered = nextHeadroom(low.headroom, reading(3600, 3600, 't2'));
    assert.equal(recovered.headroom!.warning, undefined);
    assert.equal(recovered.headroom!.since, undefined);
    assert.equal(recovered.event?.kind, 'headroom recovered');
    assert.match(recovered.event!.message, /headroom is 3600s, at or above 3600s/);

    const lowered = nextHeadroom(low.headroom, reading(100, 0, 't3'));
    assert.equal(lowered.event?.kind, 'headroom recovered');
  });

  it('ends a warning when no capture runs, and says nothing when there was none', () => {
    const low = nextHeadroom(undefined, reading(1, 10, 't1'));
    const stopped = noCapture(low.headroom);
    assert.equal(stopped.headroom, undefined);
    assert.equal(stopped.event?.kind, 'headroom recovered');
    assert.deepEqual(noCapture(undefined), {});
  });
});

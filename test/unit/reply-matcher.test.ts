import assert from 'node:assert/strict';
import type { InboundMessage } from '../../src/shared/codec';
import { ReplyMatcher } from '../../src/shared/connection/reply-matcher';
import { RequestTimeoutError } from '../../src/shared/errors';
import { delay } from '../helpers/wait';

const A = 'aa0000000001';
const B = 'aa0000000002';

function message(mac: string, kind: string, response: Record<string, unknown> = {}): InboundMessage {
  return { kind, mac, topic: `cmd/52/client/res/${kind}`, response, payload: {} } as InboundMessage;
}

describe('ReplyMatcher: one place that matches replies to waiting queries', () => {
  it('resolves a query with the first reply of its kind from its device, and ignores the rest', async () => {
    const replies = new ReplyMatcher();
    const pending = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 1_000 });
    replies.deliver(message(B, 'status'));
    replies.deliver(message(A, 'feature'));
    const first = message(A, 'status', { n: 1 });
    replies.deliver(first);
    replies.deliver(message(A, 'status', { n: 2 }));
    assert.equal(await pending.promise, first);
    assert.equal(replies.size, 0, 'a settled query leaves the matcher');
    assert.ok(pending.signal.aborted, 'its signal tells the offline queue to let go of the query');
  });

  it('with a predicate only the reply it accepts counts (a reply to another query on the shared topic does not)', async () => {
    const replies = new ReplyMatcher();
    const march = replies.expect({ mac: A, kinds: ['energy'], timeoutMs: 1_000, matches: (m) => m.response?.month === 3 });
    const april = replies.expect({ mac: A, kinds: ['energy'], timeoutMs: 1_000, matches: (m) => m.response?.month === 4 });
    const broken = replies.expect({ mac: A, kinds: ['energy'], timeoutMs: 200, matches: () => { throw new Error('unreadable'); } });
    replies.deliver(message(A, 'energy', { month: 4 }));
    replies.deliver(message(A, 'energy', { month: 3 }));
    assert.equal((await march.promise).response?.month, 3);
    assert.equal((await april.promise).response?.month, 4);
    await assert.rejects(broken.promise, RequestTimeoutError);
  });

  it('hands one reply to every query it answers (two nodes asking for a status share it)', async () => {
    const replies = new ReplyMatcher();
    const one = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 1_000 });
    const two = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 1_000 });
    const reply = message(A, 'status');
    replies.deliver(reply);
    assert.deepEqual(await Promise.all([one.promise, two.promise]), [reply, reply]);
  });

  it('times out on its own timer, calls onTimeout first, and settles exactly once', async () => {
    const replies = new ReplyMatcher();
    const seen: string[] = [];
    const pending = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 100, onTimeout: () => seen.push('timeout') });
    await assert.rejects(pending.promise, (err: unknown) => err instanceof RequestTimeoutError && err.message === `status request to ${A}: no reply within 0 s`);
    assert.deepEqual(seen, ['timeout']);
    pending.resolve(message(A, 'status'));
    pending.reject(new Error('late'));
    await assert.rejects(pending.promise, RequestTimeoutError, 'still the first outcome');
    assert.equal(replies.size, 0);
  });

  it('a failed or cancelled query fails alone: the others keep waiting and get their reply', async () => {
    const replies = new ReplyMatcher();
    const failed = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 1_000 });
    const other = replies.expect({ mac: A, kinds: ['status'], timeoutMs: 1_000 });
    failed.reject(new Error('queue full'));
    await assert.rejects(failed.promise, /queue full/);
    const reply = message(A, 'status');
    replies.deliver(reply);
    assert.equal(await other.promise, reply);
  });

  it('rejectAll fails every waiting query and clears their timers', async () => {
    const replies = new ReplyMatcher();
    const all = [replies.expect({ mac: A, kinds: ['status'], timeoutMs: 200 }), replies.expect({ mac: B, kinds: ['feature'], timeoutMs: 200 })];
    replies.rejectAll(new Error('connection closed'));
    for (const pending of all) await assert.rejects(pending.promise, /connection closed/);
    assert.equal(replies.size, 0);
    await delay(300); // a timer left running would try to settle again; nothing may happen
    for (const pending of all) await assert.rejects(pending.promise, /connection closed/);
  });
});

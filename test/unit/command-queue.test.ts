import assert from 'node:assert/strict';
import { CommandQueue } from '../../src/shared/connection/command-queue';
import { QueueError } from '../../src/shared/errors';

describe('offline command queue', () => {
  it('keeps commands in order and resolves each once it is sent', async () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    const sent: string[] = [];
    const promises = ['a', 'b', 'c'].map((c) => queue.enqueue(c).then(() => sent.push(c)));
    for (const item of queue.drain()) item.resolve();
    await Promise.all(promises);
    assert.deepEqual(sent, ['a', 'b', 'c']);
    assert.equal(queue.length, 0);
  });

  it('rejects the newest command when full, naming the limit', async () => {
    const queue = new CommandQueue<number>({ maxItems: 2, maxAgeMs: 60_000 });
    void queue.enqueue(1);
    void queue.enqueue(2);
    await assert.rejects(queue.enqueue(3), (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL' && /2 commands/.test(err.message));
    assert.equal(queue.length, 2);
  });

  it('expires commands older than the limit with an error instead of replaying them', async () => {
    let now = 0;
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 300_000 }, () => now);
    const old = queue.enqueue('old');
    now = 200_000;
    const fresh = queue.enqueue('fresh');
    now = 301_000;
    const ready = queue.drain();
    assert.deepEqual(ready.map((i) => i.value), ['fresh']);
    await assert.rejects(old, (err: unknown) => err instanceof QueueError && err.code === 'EXPIRED');
    ready[0].resolve();
    await fresh;
  });

  it('puts a half-flushed batch back in front, in order', () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    void queue.enqueue('a');
    void queue.enqueue('b');
    const batch = queue.drain();
    void queue.enqueue('c');
    queue.requeue(batch.slice(1));
    assert.deepEqual(queue.drain().map((i) => i.value), ['b', 'c']);
  });

  it('takes a command out when its sender withdraws it (aborted signal), with the abort reason', async () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    const withdrawn = new AbortController();
    const a = queue.enqueue('a', withdrawn.signal);
    const b = queue.enqueue('b');
    withdrawn.abort(new Error('node closed'));
    await assert.rejects(a, /node closed/);
    assert.deepEqual(queue.drain().map((i) => i.value), ['b']);
    void b;
    const already = new AbortController();
    already.abort(new Error('gone'));
    await assert.rejects(queue.enqueue('c', already.signal), /gone/);
    assert.equal(queue.length, 0);
  });

  it('a withdrawal after the command left the queue changes nothing: the send settles it', async () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    const late = new AbortController();
    const sent = queue.enqueue('a', late.signal);
    const [item] = queue.drain();
    late.abort(new Error('too late'));
    item.resolve();
    await sent;
  });

  it('hands commands out one at a time, so a later one can still be withdrawn while the ones before it are sent', async () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    const sender = new AbortController();
    const a = queue.enqueue('a');
    const b = queue.enqueue('b', sender.signal);
    const c = queue.enqueue('c');
    const first = queue.next();
    assert.equal(first?.value, 'a');
    sender.abort(new Error('node closed')); // while 'a' is being sent
    first?.resolve();
    await a;
    await assert.rejects(b, /node closed/);
    const next = queue.next();
    assert.equal(next?.value, 'c', 'the withdrawn command is never handed out');
    next?.resolve();
    await c;
    assert.equal(queue.next(), undefined);
  });

  it('tells whether a command taken out for sending was withdrawn since (between two attempts)', () => {
    const queue = new CommandQueue<string>({ maxItems: 10, maxAgeMs: 60_000 });
    const sender = new AbortController();
    queue.enqueue('a', sender.signal).catch(() => undefined);
    const item = queue.next();
    assert.equal(item?.withdrawn(), undefined);
    sender.abort(new Error('gave up'));
    assert.match(item?.withdrawn()?.message ?? '', /gave up/);
  });
});

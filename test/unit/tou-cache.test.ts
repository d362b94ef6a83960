import assert from 'node:assert/strict';
import type { TouPlan } from '../../src/shared/codec';
import { TouCache } from '../../src/shared/device/tou-cache';

const plan = (name: string) => ({ name, periods: [] }) as unknown as TouPlan;

describe('TouCache: the TOU plans of one account', () => {
  it('reads a device\'s plan once while it is fresh, and again once it is older than its lifetime', async () => {
    let now = 0;
    const cache = new TouCache(1_000, () => now);
    let reads = 0;
    const load = async () => plan(`read ${++reads}`);
    assert.equal((await cache.get('a', load)).name, 'read 1');
    now = 999;
    assert.equal((await cache.get('a', load)).name, 'read 1');
    assert.equal((await cache.get('b', load)).name, 'read 2', 'each device has its own plan');
    now = 1_000;
    assert.equal((await cache.get('a', load)).name, 'read 3');
  });

  it('shares one read among callers that ask at the same time; a failed read is not cached', async () => {
    const cache = new TouCache();
    let reads = 0;
    const slow = () => new Promise<TouPlan>((resolve) => setTimeout(() => resolve(plan(`read ${++reads}`)), 20));
    const [a, b] = await Promise.all([cache.get('a', slow), cache.get('a', slow)]);
    assert.equal(reads, 1);
    assert.equal(a, b);
    const other = new TouCache();
    await assert.rejects(other.get('a', async () => { throw new Error('REST down'); }), /REST down/);
    assert.equal((await other.get('a', async () => plan('back'))).name, 'back');
  });

  it('an explicit read refreshes what the next estimate uses', async () => {
    const cache = new TouCache();
    await cache.get('a', async () => plan('old'));
    cache.set('a', plan('new'));
    assert.equal((await cache.get('a', async () => plan('never'))).name, 'new');
  });
});

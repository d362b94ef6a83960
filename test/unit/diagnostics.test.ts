import assert from 'node:assert/strict';
import { DiagnosticsCollector, classifyDrops } from '../../src/shared/connection/diagnostics';

const HOUR = 3_600_000;

describe('connection diagnostics', () => {
  it('records drops and recoveries with session durations and time to recover', () => {
    let now = 1_000_000;
    const d = new DiagnosticsCollector(() => now);
    d.recordConnected('connected', 0, false);
    now += 10_000;
    d.recordDrop({ name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'hangup' }, 0, 2, 1);
    now += 1_500;
    const back = d.recordConnected('resumed', 1, false);
    now += 30_000;
    d.recordDrop({ name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', message: 'hangup' }, 0, 2, 0);
    now += 4_000;
    d.recordConnected('deep-reconnected', 6, false);
    now += 5_000;
    const m = d.metrics();
    assert.equal(back.recoveryMs, 1_500);
    assert.equal(m.connections, 3);
    assert.equal(m.drops, 2);
    assert.equal(m.recoveries, 2);
    assert.equal(m.deepReconnects, 1);
    assert.deepEqual(m.sessionDurationMs, { min: 10_000, avg: 20_000, max: 30_000 });
    assert.equal(m.currentUptimeMs, 5_000);
    assert.deepEqual(m.dropsByError, { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 2 });
    assert.deepEqual(m.attemptsToRecover, { '1': 1, '6': 1 });
    assert.equal(m.lastDrop?.queuedCommands, 0);
  });

  it('keeps at most 1000 drops in history but counts them all', () => {
    let now = 0;
    const d = new DiagnosticsCollector(() => now);
    for (let i = 0; i < 1005; i++) {
      d.recordConnected(i === 0 ? 'connected' : 'resumed', 1, false);
      now += 1000;
      d.recordDrop({ name: 'E', message: 'x' }, 0, 1, 0);
      now += 1000;
    }
    assert.equal(d.export().drops.length, 1000);
    assert.equal(d.metrics().drops, 1005);
  });

  it('a clean close is not a drop', () => {
    const d = new DiagnosticsCollector();
    d.recordConnected('connected', 0, false);
    d.recordClosed();
    assert.equal(d.metrics().drops, 0);
    assert.equal(d.metrics().connected, false);
  });

  it('export carries no credentials and reset clears the counters', () => {
    const d = new DiagnosticsCollector();
    d.recordConnected('connected', 0, false);
    d.published = 7;
    const text = JSON.stringify(d.export());
    assert.doesNotMatch(text, /password|token|secret|X-Amz|@/i);
    d.reset();
    assert.equal(d.metrics().published, 0);
    assert.equal(d.metrics().connections, 0);
    assert.equal(d.metrics().connected, true);
  });

  describe('drop pattern', () => {
    it('recognises the 24-hour cap as routine', () => {
      const p = classifyDrops([0, 24 * HOUR, 48 * HOUR, 72 * HOUR]);
      assert.equal(p.pattern, 'regular');
      assert.match(p.likelyCause, /24 hours/);
    });
    it('recognises regular short intervals as a server-side rhythm', () => {
      const p = classifyDrops([0, 20 * 60_000, 40 * 60_000, 61 * 60_000]);
      assert.equal(p.pattern, 'regular');
      assert.match(p.likelyCause, /20 min/);
    });
    it('calls random gaps a network problem and advises keep-alive and Wi-Fi checks', () => {
      const p = classifyDrops([0, 5 * 60_000, 90 * 60_000, 100 * 60_000, 300 * 60_000]);
      assert.equal(p.pattern, 'irregular');
      assert.match(p.advice, /NAT/);
    });
    it('spots drops after many messages as rate limiting', () => {
      const p = classifyDrops([0, 5 * 60_000, 90 * 60_000], [800, 900, 1200]);
      assert.equal(p.pattern, 'after-many-messages');
    });
    it('asks for more data with fewer than three drops', () => {
      assert.equal(classifyDrops([0, HOUR]).pattern, 'too-few');
      assert.equal(classifyDrops([]).pattern, 'none');
    });
  });
});

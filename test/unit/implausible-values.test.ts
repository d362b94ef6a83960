import assert from 'node:assert/strict';
import { DiagnosticsCollector } from '../../src/shared/connection/diagnostics';

describe('connection diagnostics: implausible values', () => {
  it('counts implausible values per field, reports them in the metrics and the export, and reset clears them', () => {
    const d = new DiagnosticsCollector(() => 1_000_000);
    assert.deepEqual(d.metrics().implausibleValues, {});
    d.recordImplausible('status.dhwChargePer');
    d.recordImplausible('status.dhwChargePer');
    d.recordImplausible('feature.dhwTemperatureMax');
    assert.deepEqual(d.metrics().implausibleValues, { 'status.dhwChargePer': 2, 'feature.dhwTemperatureMax': 1 });
    assert.deepEqual(d.export().metrics.implausibleValues, { 'status.dhwChargePer': 2, 'feature.dhwTemperatureMax': 1 });
    // The report is a copy: a flow changing it does not change the counts.
    d.metrics().implausibleValues['status.dhwChargePer'] = 99;
    assert.equal(d.metrics().implausibleValues['status.dhwChargePer'], 2);
    assert.equal(Object.getPrototypeOf(d.metrics().implausibleValues), Object.prototype);
    d.reset();
    assert.deepEqual(d.metrics().implausibleValues, {});
  });
});

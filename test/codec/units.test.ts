import * as assert from 'node:assert/strict';
import {
  fromHalfCelsius,
  fromHalfCelsiusDisplay,
  fromTenthCelsius,
  fromTenthCelsiusDifference,
  roundTo,
  toHalfCelsius,
} from '../../src/shared/codec';

describe('codec/units', () => {
  // The table in docs/protocol.md#setpoint: target °F -> raw -> what the device reads back in °F.
  const fahrenheitTable: [number, number, number][] = [
    [95, 70, 95.0],
    [104.9, 81, 104.9],
    [110, 87, 110.3],
    [120, 98, 120.2],
    [125, 103, 124.7],
    [130, 109, 130.1],
    [135, 114, 134.6],
    [140, 120, 140.0],
    [145, 126, 145.4],
    [150, 131, 149.9],
  ];
  const celsiusTable: [number, number][] = [
    [35.0, 70], [40.5, 81], [45.0, 90], [49.0, 98], [50.0, 100], [55.0, 110], [57.5, 115], [60.0, 120], [62.5, 125], [65.5, 131],
  ];

  it('encodes Fahrenheit setpoints as half-degrees Celsius (docs/protocol.md#setpoint)', () => {
    for (const [target, raw] of fahrenheitTable) assert.equal(toHalfCelsius(target, 'F'), raw, `${target} °F`);
  });

  it('decodes half-degree Celsius values to the device read-back in °F', () => {
    for (const [, raw, readBack] of fahrenheitTable) assert.equal(fromHalfCelsius(raw, 'F'), readBack, `raw ${raw}`);
  });

  it('encodes and decodes Celsius setpoints', () => {
    for (const [celsius, raw] of celsiusTable) {
      assert.equal(toHalfCelsius(celsius, 'C'), raw);
      assert.equal(fromHalfCelsius(raw, 'C'), celsius);
    }
  });

  it('decodes the setpoint examples of the brief: 120 -> 140.0 °F / 60.0 °C, 117 -> 137.3 °F / 58.5 °C', () => {
    assert.equal(fromHalfCelsius(120, 'F'), 140.0);
    assert.equal(fromHalfCelsius(120, 'C'), 60.0);
    assert.equal(fromHalfCelsius(117, 'F'), 137.3);
    assert.equal(fromHalfCelsius(117, 'C'), 58.5);
    assert.equal(fromHalfCelsius(0, 'F'), 32);
  });

  it('decodes tenth-degree probes: 586 -> 58.6 °C / 137.5 °F', () => {
    assert.equal(fromTenthCelsius(586, 'C'), 58.6);
    assert.equal(fromTenthCelsius(586, 'F'), 137.5);
    assert.equal(fromTenthCelsius(-31, 'C'), -3.1);
    assert.equal(fromTenthCelsius(-31, 'F'), 26.4);
  });

  it('decodes differences without the +32 offset', () => {
    assert.equal(fromTenthCelsiusDifference(50, 'C'), 5.0);
    assert.equal(fromTenthCelsiusDifference(50, 'F'), 9.0);
    assert.equal(fromTenthCelsiusDifference(-31, 'F'), -5.6);
    assert.equal(fromTenthCelsiusDifference(4, 'F'), 0.7);
  });

  it('applies the whole-°F display rounding of outsideTemperature (docs/protocol.md#temperatures)', () => {
    assert.equal(fromHalfCelsiusDisplay(121, 'F', 1), 141); // 140.9
    assert.equal(fromHalfCelsiusDisplay(126, 'F', 1), 145); // 145.4 rounds
    assert.equal(fromHalfCelsiusDisplay(126, 'F', 0), 146); // asymmetric: ceil
    assert.equal(fromHalfCelsiusDisplay(119, 'F', 0), 139); // remainder 9: floor of 139.1
    assert.equal(fromHalfCelsiusDisplay(-1, 'F', 0), 32); // truncating remainder -1: ceil of 31.1
    assert.equal(fromHalfCelsiusDisplay(-1, 'F', 1), 31);
    assert.equal(fromHalfCelsiusDisplay(121, 'C', 1), 60.5);
  });

  it('rounds half away from zero without float artefacts', () => {
    assert.equal(roundTo(1.005, 2), 1.01);
    assert.equal(roundTo(137.48, 1), 137.5);
    assert.equal(roundTo(-2.25, 1), -2.3);
    assert.equal(roundTo(-0.04, 1), 0);
    assert.ok(!Object.is(roundTo(-0.04, 1), -0));
  });
});

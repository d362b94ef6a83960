/**
 * The editor's validation and the runtime's agree: same limits, same allowed values, same defaults.
 *
 * resources/navien-editor.js (the script every editor file loads from resources/node-red-contrib-navien/) runs in a
 * Node `vm` context with a tiny stand-in for the editor (`window`, `RED`, `$`), then the inline script of each
 * src/nodes/<type>.html registers its type there; the test compares what they registered (defaults, validate
 * functions, select options) with the runtime's exported constants and validators from src/shared. Where the runtime
 * refuses a value (planner settings, endpoints, time zone, targets, read requests, boost minutes), the editor must
 * accept exactly what it accepts, probed on both sides of every bound either side has. Where the runtime is lenient
 * (intervals, deadbands: it falls back or raises a value instead of refusing it), what the editor accepts must be
 * used by the runtime as it is, and what the runtime would change, the editor must flag.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { SETPOINT_RANGE_RAW, TEMPERATURE_UNITS, TemperatureUnit, fromHalfCelsius } from '../../src/shared/codec';
import { BOOST_MAX_MINUTES, DEFAULT_BOOST_MINUTES, planBoost } from '../../src/shared/control/plans/timed';
import { REPORT_INTERVAL } from '../../src/shared/connection/diagnostics';
import { resolveEndpoints } from '../../src/shared/endpoints';
import { normalizeMac } from '../../src/shared/mac';
import { APPLY_MODES, MAX_HORIZON_HOURS, MAX_TARGETS, parseTargets } from '../../src/shared/planner';
import {
  COMFORT_RANGE,
  DEFAULT_COMFORT,
  DEFAULT_HORIZON_HOURS,
  DEFAULT_MAX_SETPOINT,
  DEFAULT_RESERVE_PERCENT,
  DEFAULT_TARGETS,
  MAX_RESERVE_PERCENT,
  PlannerConfigFields,
  PRICE_SOURCES,
  plannerSettings,
} from '../../src/shared/planner-session/settings';
import { ENERGY_PERIODS, READ_KINDS, configuredPeriod, configuredRead, readRequest } from '../../src/shared/reading/read-request';
import { DEFAULT_DEADBANDS, nonNegative } from '../../src/shared/reading/report-by-exception';
import { POLL_INTERVAL, STATUS_OUTPUTS, statusSettings } from '../../src/shared/reading/settings';
import { IntervalRule, intervalSeconds } from '../../src/shared/seconds';
import { parseTimeZone } from '../../src/shared/time-zone';

// Compiled to build/test/editor/, run from the repository root or from elsewhere.
const root = [process.cwd(), join(__dirname, '..', '..', '..')].find((dir) => existsSync(join(dir, 'resources', 'navien-editor.js')));
if (!root) throw new Error('cannot find resources/navien-editor.js');
const SCRIPT = join(root, 'resources', 'navien-editor.js');
const PACKAGE = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name;
const TYPES = ['navien-account', 'navien-status', 'navien-control', 'navien-diagnostics', 'navien-planner'];

type Validate = (this: unknown, value: unknown, opt?: unknown) => unknown;
interface PropertyDef {
  value: unknown;
  required?: boolean;
  validate?: Validate;
}
type Label = (this: Record<string, unknown>, index?: number) => string;
interface NodeDef {
  defaults: Record<string, PropertyDef>;
  _?: (key: string) => string;
  category?: string;
  icon?: string;
  paletteLabel?: Label;
  label?: Label;
  inputLabels?: Label;
  outputLabels?: Label;
  outputs?: number;
  oneditcancel?: unknown;
}
interface Rule {
  min: number;
  max: number;
  fallback: unknown;
}
interface NavienEditor {
  limits: {
    pollInterval: IntervalRule;
    reportInterval: IntervalRule;
    deadbands: { temperature: number; power: number };
    heartbeat: { fallback: number };
    boostMinutes: { max: number; fallback: number };
    setpoint: Record<TemperatureUnit, { min: number; max: number }>;
    maxSetpoint: { fallback: Record<TemperatureUnit, number> };
    horizonHours: Rule;
    reservePercent: Rule;
    targets: { max: number; charge: { min: number; max: number }; fallback: unknown };
    comfort: Record<TemperatureUnit, { min: number; max: number }> & { fallback: Record<TemperatureUnit, number> };
    port: { min: number; max: number };
  };
  values: Record<'unit' | 'output' | 'read' | 'period' | 'apply' | 'prices', string[]>;
  normMac(value: unknown): string;
  rules: Record<string, (...args: unknown[]) => boolean>;
  expandTemplate(type: string, text: string): string;
}

/** Runs the shared script and the five editor files' inline scripts in one context, as the editor would. */
function loadEditor(): { ui: NavienEditor; defs: Map<string, NodeDef> } {
  const defs = new Map<string, NodeDef>();
  const RED = {
    nodes: {
      registerType(type: string, def: NodeDef) {
        // Node-RED gives each definition a translator for its own catalog.
        def._ = (key: string) => `translated:${key}`;
        defs.set(type, def);
      },
      getType: (type: string) => defs.get(type),
    },
    // Node-RED's own: true, or a message when asked for one.
    validators: { regex: (re: RegExp) => (v: unknown, opt?: unknown) => re.test(String(v)) || (opt ? 'invalid' : false) },
  };
  // No dialog is open: `$('#node-input-unit')` finds nothing, so the planner checks against the node's unit.
  const $ = () => ({ length: 0 });
  const context = vm.createContext({ RED, $, URL });
  (context as { window: unknown }).window = context;
  vm.runInContext(readFileSync(SCRIPT, 'utf8'), context, { filename: SCRIPT });
  for (const type of TYPES) {
    const file = join(root as string, 'src', 'nodes', `${type}.html`);
    for (const m of readFileSync(file, 'utf8').matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
      vm.runInContext(m[1], context, { filename: file });
    }
  }
  return { ui: (context as { NavienEditor: NavienEditor }).NavienEditor, defs };
}

const { ui, defs } = loadEditor();

function def(type: string): NodeDef {
  const d = defs.get(type);
  assert.ok(d, `${type} is not registered`);
  return d;
}

function property(type: string, name: string): PropertyDef {
  const p = def(type).defaults[name];
  assert.ok(p, `${type} has no property ${name}`);
  return p;
}

/** What the dialog shows for a property: its validate function on `value` (of a node with `node`'s properties). */
function editorAccepts(type: string, name: string, value: unknown, node: Record<string, unknown> = {}): boolean {
  const { validate } = property(type, name);
  assert.ok(validate, `${type}.${name} has no validate function`);
  return validate.call(node, value, undefined) === true;
}

/** A value of the editor's context as one of this one (deepEqual compares prototypes, which differ across contexts). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function accepts(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** The values either side of each bound: a bound moved on one side only shows up as a disagreement. */
function around(bounds: number[], steps = [1, 0.5, 0.1, 0.01]): number[] {
  const out = new Set<number>();
  for (const b of bounds) {
    out.add(b);
    for (const s of steps) {
      out.add(Math.round((b - s) * 1000) / 1000);
      out.add(Math.round((b + s) * 1000) / 1000);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The `value`s of the <option>s of a select in a node's template, with its shared rows as the editor expands them. */
function options(type: string, id: string): string[] {
  const html = ui.expandTemplate(type, readFileSync(join(root as string, 'src', 'nodes', `${type}.html`), 'utf8'));
  const select = new RegExp(`<select id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  assert.ok(select, `${type}.html has no <select id="${id}">`);
  return [...select[1].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
}

function plannerAccepts(fields: PlannerConfigFields): boolean {
  return accepts(() => plannerSettings(fields));
}

describe('editor validation agrees with the runtime (resources/navien-editor.js)', () => {
  it('is loaded by every editor file from resources/ and registers all five types', () => {
    for (const type of TYPES) {
      const html = readFileSync(join(root, 'src', 'nodes', `${type}.html`), 'utf8');
      assert.ok(html.includes(`<script src="resources/${PACKAGE}/navien-editor.js"></script>`), `${type}.html does not load the shared script`);
      // Loaded before the inline script that uses it.
      assert.ok(html.indexOf('navien-editor.js') < html.indexOf(`RED.nodes.registerType('${type}'`), `${type}.html loads the shared script too late`);
    }
    assert.deepEqual([...defs.keys()].sort(), [...TYPES].sort());
    assert.equal(typeof ui, 'object');
  });

  it('offers the runtime\'s allowed values in every select and accepts exactly those', () => {
    const lists: [string, readonly string[], readonly string[]][] = [
      ['unit', ui.values.unit, TEMPERATURE_UNITS],
      ['output', ui.values.output, STATUS_OUTPUTS],
      ['read', ui.values.read, READ_KINDS],
      ['period', ui.values.period, ENERGY_PERIODS],
      ['apply', ui.values.apply, APPLY_MODES],
      ['prices', ui.values.prices, PRICE_SOURCES],
    ];
    for (const [name, editor, runtime] of lists) assert.deepEqual([...editor], [...runtime], `the editor's ${name} values`);

    const selects: [string, string, readonly string[]][] = [
      ['navien-status', 'unit', TEMPERATURE_UNITS],
      ['navien-control', 'unit', TEMPERATURE_UNITS],
      ['navien-planner', 'unit', TEMPERATURE_UNITS],
      ['navien-status', 'output', STATUS_OUTPUTS],
      ['navien-status', 'read', READ_KINDS],
      ['navien-status', 'period', ENERGY_PERIODS],
      ['navien-planner', 'apply', APPLY_MODES],
      ['navien-planner', 'prices', PRICE_SOURCES],
    ];
    for (const [type, name, allowed] of selects) {
      assert.deepEqual(options(type, `node-input-${name}`), [...allowed], `the options of ${type}'s ${name}`);
      for (const v of allowed) assert.ok(editorAccepts(type, name, v), `${type}.${name} refuses ${v}`);
      for (const v of ['x', 'f', 'ALL', `${allowed[0]} `, 'status|features']) assert.ok(!editorAccepts(type, name, v), `${type}.${name} accepts ${v}`);
    }

    // The runtime takes each of them as it is.
    for (const v of STATUS_OUTPUTS) assert.equal(statusSettings({ output: v }).output, v);
    for (const v of TEMPERATURE_UNITS) {
      assert.equal(statusSettings({ unit: v }).unit, v);
      assert.equal(plannerSettings({ unit: v }).unit, v);
    }
    for (const v of READ_KINDS) assert.equal(configuredRead(v), v);
    for (const v of ENERGY_PERIODS) assert.equal(configuredPeriod(v), v);
    for (const v of APPLY_MODES) assert.equal(plannerSettings({ apply: v }).apply, v);
    for (const v of PRICE_SOURCES) assert.equal(plannerSettings({ prices: v }).prices, v);
    assert.ok(!plannerAccepts({ prices: 'tou' }), 'the planner accepts prices tou');
    for (const v of ['x', 'f']) {
      assert.ok(!plannerAccepts({ unit: v }) && !plannerAccepts({ apply: v }), `the planner accepts ${v}`);
      assert.throws(() => readRequest({ read: v }));
    }
    // read and period are optional in the editor (older flows): the runtime then uses its defaults.
    for (const name of ['read', 'period']) {
      assert.ok(editorAccepts('navien-status', name, undefined) && editorAccepts('navien-status', name, ''), `status.${name} refuses a missing value`);
    }
    assert.equal(configuredRead(undefined), property('navien-status', 'read').value);
    assert.equal(configuredPeriod(undefined), property('navien-status', 'period').value);
  });

  it('labels each device node from its own catalog: the name, else the device, else the palette label', () => {
    for (const type of TYPES.filter((t) => t !== 'navien-account')) {
      const d = def(type);
      const catalog: unknown = JSON.parse(readFileSync(join(root, 'locales', 'en-US', `${type}.json`), 'utf8'));
      const asked: string[] = [];
      const node = (props: Record<string, unknown>) => ({ ...props, _: (key: string) => (asked.push(key), `translated:${key}`) });
      assert.equal(d.category, 'navien');
      assert.equal(d.icon, `${type}.svg`);
      assert.equal(d.paletteLabel?.call(node({})), `translated:${type}.paletteLabel`);
      assert.equal(d.label?.call(node({ name: 'Garage' })), 'Garage');
      assert.equal(d.label?.call(node({ name: '' })), `translated:${type}.paletteLabel`);
      if ('device' in d.defaults) assert.equal(d.label?.call(node({ name: '', device: '0a1b2c3d4e5f' })), `translated:${type}.label.labelDevice`);
      d.inputLabels?.call(node({}));
      for (let i = 0; i < (d.outputs ?? 1); i++) d.outputLabels?.call(node({}), i);
      // The device picker is closed on cancel exactly where the dialog has one.
      assert.equal(typeof d.oneditcancel === 'function', 'device' in d.defaults, `${type}: oneditcancel`);
      for (const key of asked) {
        const value = key.split('.').reduce<unknown>((n, part) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[part] : undefined), catalog);
        assert.equal(typeof value, 'string', `${type} labels itself with ${key}, which en-US does not have`);
      }
    }
  });

  it('starts from the runtime\'s defaults', () => {
    const status = statusSettings({});
    assert.equal(property('navien-status', 'unit').value, status.unit);
    assert.equal(property('navien-status', 'output').value, status.output);
    assert.equal(property('navien-status', 'interval').value, POLL_INTERVAL.fallback);
    assert.equal(property('navien-status', 'deadbandTemp').value, DEFAULT_DEADBANDS.temperature);
    assert.equal(property('navien-status', 'deadbandPower').value, DEFAULT_DEADBANDS.power);
    assert.equal(property('navien-status', 'heartbeat').value, status.heartbeat);
    assert.equal(property('navien-diagnostics', 'interval').value, REPORT_INTERVAL.fallback);
    assert.equal(property('navien-control', 'boostMinutes').value, DEFAULT_BOOST_MINUTES);

    const planner = plannerSettings({});
    assert.equal(property('navien-planner', 'unit').value, planner.unit);
    assert.equal(property('navien-planner', 'apply').value, planner.apply);
    assert.equal(property('navien-planner', 'prices').value, planner.prices);
    assert.deepEqual(plain(property('navien-planner', 'targets').value), DEFAULT_TARGETS);
    assert.equal(property('navien-planner', 'maxSetpoint').value, DEFAULT_MAX_SETPOINT[planner.unit]);
    assert.equal(property('navien-planner', 'horizon').value, DEFAULT_HORIZON_HOURS);
    assert.equal(property('navien-planner', 'reserve').value, DEFAULT_RESERVE_PERCENT);
    assert.equal(property('navien-planner', 'comfort').value, DEFAULT_COMFORT[planner.unit]);
    assert.equal(property('navien-planner', 'draws').value, planner.draws);
    assert.equal(property('navien-planner', 'allowElement').value, planner.allowElement);
    assert.equal(property('navien-planner', 'keepEntries').value, planner.keepEntries);

    // The shared script's own copies (used by the dialogs' set-up) say the same.
    assert.deepEqual({ ...ui.limits.pollInterval }, { ...POLL_INTERVAL });
    assert.deepEqual({ ...ui.limits.reportInterval }, { ...REPORT_INTERVAL });
    assert.deepEqual({ ...ui.limits.deadbands }, { ...DEFAULT_DEADBANDS });
    assert.equal(ui.limits.heartbeat.fallback, status.heartbeat);
    assert.equal(ui.limits.boostMinutes.fallback, DEFAULT_BOOST_MINUTES);
    assert.deepEqual({ ...ui.limits.maxSetpoint.fallback }, { ...DEFAULT_MAX_SETPOINT });
    assert.equal(ui.limits.horizonHours.fallback, DEFAULT_HORIZON_HOURS);
    assert.equal(ui.limits.reservePercent.fallback, DEFAULT_RESERVE_PERCENT);
    assert.deepEqual({ ...ui.limits.comfort.fallback }, { ...DEFAULT_COMFORT });
    assert.deepEqual(plain(ui.limits.targets.fallback), DEFAULT_TARGETS);

    // Every default passes its own check (but the device, which the user has to choose).
    for (const type of TYPES) {
      for (const [name, p] of Object.entries(def(type).defaults)) {
        if (p.validate && name !== 'device') assert.equal(p.validate.call({ unit: 'F' }, p.value, undefined), true, `${type}.${name}'s default ${JSON.stringify(p.value)} is invalid`);
      }
    }
  });

  it('poll and report intervals: 0 or at least the runtime\'s minimum, whole seconds', () => {
    const cases: [string, IntervalRule, IntervalRule][] = [
      ['navien-status', ui.limits.pollInterval, POLL_INTERVAL],
      ['navien-diagnostics', ui.limits.reportInterval, REPORT_INTERVAL],
    ];
    for (const [type, editorRule, runtimeRule] of cases) {
      const values = around([0, editorRule.min, runtimeRule.min, 3600], [1, 2, 0.5]).filter((v) => v >= 0);
      for (const v of values) {
        for (const shown of [v, String(v)]) {
          // The runtime uses what the editor lets through as it is; what it would raise or replace, the editor flags.
          const asIs = intervalSeconds(shown, runtimeRule) === v && Number.isInteger(v);
          assert.equal(editorAccepts(type, 'interval', shown), asIs, `${type} interval ${JSON.stringify(shown)}: editor vs runtime (${intervalSeconds(shown, runtimeRule)})`);
        }
      }
      for (const bad of ['', ' ', '-10', 'abc', '1e3', null, undefined]) assert.ok(!editorAccepts(type, 'interval', bad), `${type} interval ${String(bad)}`);
      // The message the dialog shows is the node's own.
      assert.equal(property(type, 'interval').validate?.call({}, '5', {}), `translated:${type}.validation.interval`);
    }
  });

  it('deadbands and heartbeat: what the editor accepts is used by the runtime as typed', () => {
    const values: unknown[] = ['', ' ', '0', '0.5', '1', '20', '2.25', '100', 0, 0.5, 20, '-1', '-0.5', 'abc', '1e3', '.5', '5.', -1, null, undefined];
    for (const [name, fallback] of [['deadbandTemp', DEFAULT_DEADBANDS.temperature], ['deadbandPower', DEFAULT_DEADBANDS.power], ['heartbeat', 0]] as const) {
      for (const v of values) {
        const used = nonNegative(v, fallback);
        const empty = v === undefined || v === null || String(v).trim() === '';
        if (editorAccepts('navien-status', name, v)) {
          assert.equal(used, empty ? fallback : Number(v), `${name} ${JSON.stringify(v)}: the runtime uses ${used}`);
        }
        if (!empty && used !== Number(v)) assert.ok(!editorAccepts('navien-status', name, v), `${name} ${JSON.stringify(v)}: the runtime ignores it, the editor accepts it`);
      }
    }
  });

  it('boost minutes: above 0, at most the runtime\'s maximum', () => {
    assert.equal(ui.limits.boostMinutes.max, BOOST_MAX_MINUTES);
    const limits = { unit: 'F' as const, allowPowerOff: true, readOnly: false, features: undefined };
    for (const v of around([0, ui.limits.boostMinutes.max, BOOST_MAX_MINUTES, DEFAULT_BOOST_MINUTES])) {
      const runtime = accepts(() => planBoost({ mode: 'heat-pump', minutes: v }, 'F', limits));
      assert.equal(editorAccepts('navien-control', 'boostMinutes', v), runtime, `boostMinutes ${v}`);
      assert.equal(editorAccepts('navien-control', 'boostMinutes', String(v)), runtime, `boostMinutes '${v}'`);
    }
  });

  it('planner: max setpoint in the NWP500\'s range of each unit, horizon and reserve in the runtime\'s bounds', () => {
    for (const unit of TEMPERATURE_UNITS) {
      const runtimeRange = { min: fromHalfCelsius(SETPOINT_RANGE_RAW.min, unit), max: fromHalfCelsius(SETPOINT_RANGE_RAW.max, unit) };
      assert.deepEqual({ ...ui.limits.setpoint[unit] }, runtimeRange, `setpoint range in °${unit}`);
      const bounds = [ui.limits.setpoint[unit].min, ui.limits.setpoint[unit].max, runtimeRange.min, runtimeRange.max];
      for (const v of around(bounds, [1, 0.1, 0.05, 0.01])) {
        assert.equal(
          editorAccepts('navien-planner', 'maxSetpoint', String(v), { unit }),
          plannerAccepts({ unit, maxSetpoint: String(v) }),
          `maxSetpoint ${v} °${unit}`,
        );
      }
    }
    const ranges: [string, Rule, number[]][] = [
      ['horizon', ui.limits.horizonHours, [1, MAX_HORIZON_HOURS]],
      ['reserve', ui.limits.reservePercent, [0, MAX_RESERVE_PERCENT]],
    ];
    for (const [name, editor, runtime] of ranges) {
      assert.deepEqual([editor.min, editor.max], runtime, `${name} bounds`);
      for (const v of around([editor.min, editor.max, ...runtime])) {
        for (const shown of [v, String(v)]) {
          assert.equal(editorAccepts('navien-planner', name, shown), plannerAccepts({ [name]: shown }), `${name} ${JSON.stringify(shown)}`);
        }
      }
      for (const v of ['abc', ' x', 'NaN', 'Infinity']) assert.equal(editorAccepts('navien-planner', name, v), plannerAccepts({ [name]: v }), `${name} ${v}`);
    }
  });

  it('planner: the comfort temperature in the runtime\'s range of each unit, the draws setting as the runtime knows it', () => {
    for (const unit of TEMPERATURE_UNITS) {
      assert.deepEqual({ min: ui.limits.comfort[unit].min, max: ui.limits.comfort[unit].max }, { ...COMFORT_RANGE[unit] }, `comfort range in °${unit}`);
      const bounds = [COMFORT_RANGE[unit].min, COMFORT_RANGE[unit].max, DEFAULT_COMFORT[unit]];
      for (const v of around(bounds, [1, 0.1, 0.01])) {
        for (const shown of [v, String(v)]) {
          assert.equal(editorAccepts('navien-planner', 'comfort', shown, { unit }), plannerAccepts({ unit, comfort: shown }), `comfort ${JSON.stringify(shown)} °${unit}`);
        }
      }
      for (const v of ['', 'abc', ' x', 'NaN', 'Infinity', true]) {
        assert.equal(editorAccepts('navien-planner', 'comfort', v, { unit }), plannerAccepts({ unit, comfort: v }), `comfort ${JSON.stringify(v)} °${unit}`);
      }
    }
    for (const v of ['expected', 'none', '', undefined, 'some', 'NONE']) {
      assert.equal(editorAccepts('navien-planner', 'draws', v), plannerAccepts({ draws: v }), `draws ${JSON.stringify(v)}`);
    }
  });

  it('planner targets: the same lists are accepted', () => {
    assert.equal(ui.limits.targets.max, MAX_TARGETS);
    const times = (n: number) => Array.from({ length: n }, (_, i) => ({ at: `${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`, charge: 50 }));
    const cases: unknown[] = [
      [],
      [{ at: '06:30', charge: 90 }],
      [{ at: '6:30', charge: 0 }, { at: '23:59', charge: 100 }],
      [{ at: '00:00', charge: 50.5 }],
      [{ at: '24:00', charge: 50 }],
      [{ at: '12:60', charge: 50 }],
      [{ at: '12:5', charge: 50 }],
      [{ at: '123:00', charge: 50 }],
      [{ at: '06:30', charge: 101 }],
      [{ at: '06:30', charge: -1 }],
      [{ at: '06:30', charge: 100.01 }],
      [{ at: '06:30', charge: '90' }],
      [{ at: '06:30', charge: NaN }],
      [{ at: '06:30' }],
      [{ charge: 90 }],
      [{ at: 630, charge: 90 }],
      [{ at: '06:30', charge: 90 }, { at: '6:30', charge: 80 }],
      [{ at: '06:30', charge: 90, extra: true }],
      [{ at: '06:30', litres: 120 }],
      [{ at: '06:30', litres: 2000 }],
      [{ at: '06:30', litres: 2000.5 }],
      [{ at: '06:30', litres: -1 }],
      [{ at: '06:30', litres: '120' }],
      [{ at: '06:30', showers: 2 }],
      [{ at: '06:30', showers: 2.5 }],
      [{ at: '06:30', showers: 31 }],
      [{ at: '06:30', showers: 2, charge: 90 }],
      [{ at: '06:30', litres: 100, showers: 2 }],
      [null],
      [[]],
      ['06:30'],
      times(ui.limits.targets.max - 1),
      times(ui.limits.targets.max),
      times(ui.limits.targets.max + 1),
      times(MAX_TARGETS),
      times(MAX_TARGETS + 1),
      'x',
      {},
      null,
    ];
    for (const v of cases) {
      assert.equal(editorAccepts('navien-planner', 'targets', v), accepts(() => parseTargets(v)), `targets ${JSON.stringify(v)?.slice(0, 120)}`);
    }
  });

  it('devices: the editor reads a MAC as the runtime does and requires one where the runtime needs one', () => {
    const macs: unknown[] = ['0a1b2c3d4e5f', '0A:1B:2C:3D:4E:5F', '0a-1b-2c-3d-4e-5f', ' 0a1b 2c3d 4e5f ', '0a.1b.2c.3d.4e.5f', '', '  ', ':-:', 'kitchen', undefined, null, 42];
    for (const v of macs) {
      assert.equal(ui.normMac(v), normalizeMac(v), `normMac(${JSON.stringify(v)})`);
      for (const type of ['navien-control', 'navien-planner']) {
        assert.equal(editorAccepts(type, 'device', v), normalizeMac(v) !== '', `${type} device ${JSON.stringify(v)}`);
      }
    }
    assert.equal(property('navien-control', 'device').validate?.call({}, '', {}), 'translated:navien-control.validation.device');
    // navien-status: empty means every device of the account.
    assert.equal(property('navien-status', 'device').validate, undefined);
  });

  it('account: REST URL, IoT endpoint and time zone as the runtime reads them', () => {
    const apiUrls = [
      '', '  ', 'https://nlus.naviensmartcontrol.com/api/v2.1', 'https://localhost:8443/api/', 'HTTPS://EXAMPLE.COM', ' https://example.com ',
      'https://example.com//', 'http://example.com', 'ftp://example.com', 'example.com', 'https://', 'https:///', 'https://exa mple.com',
      'https://example.com:99999', 'https://[::1]:8443/api', 'https://a:b@example.com', 'https://example.com/path?q=1',
    ];
    for (const v of apiUrls) {
      assert.equal(editorAccepts('navien-account', 'apiUrl', v), accepts(() => resolveEndpoints({ apiUrl: v }, {})), `apiUrl ${JSON.stringify(v)}`);
    }
    const endpoints = [
      '', ' ', 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com', 'localhost:8883', 'wss://localhost:8883/mqtt', '127.0.0.1:1', '127.0.0.1:0',
      'host:65535', 'host:65536', 'host:99999', 'host:123456', 'host:', ':8883', 'ho st', 'user@host', 'host?x=1', '-host', 'host-', 'a..b',
      'example.com.', `${'a'.repeat(63)}.com`, `${'a'.repeat(64)}.com`, 'host:8883:1', 'wss://', ' localhost:8883 ',
    ];
    for (const v of endpoints) {
      assert.equal(editorAccepts('navien-account', 'iotEndpoint', v), accepts(() => resolveEndpoints({ iotEndpoint: v }, {})), `iotEndpoint ${JSON.stringify(v)}`);
    }
    assert.equal(ui.limits.port.min, 1);
    assert.equal(ui.limits.port.max, 65535);
    const zones = ['', ' ', 'America/Chicago', 'europe/berlin', 'UTC', 'Etc/GMT+5', 'US/Central', ' Asia/Tokyo ', 'Mars/Olympus', 'GMT+25', 'abc', 'America/'];
    for (const v of zones) {
      assert.equal(editorAccepts('navien-account', 'timeZone', v), parseTimeZone(v).ok, `timeZone ${JSON.stringify(v)}`);
    }
    assert.equal(property('navien-account', 'timeZone').validate?.call({}, 'Mars/Olympus', {}), 'translated:navien-account.validation.timeZone');
  });
});

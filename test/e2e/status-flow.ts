/**
 * The status flow of the packed-install suites: an account, a navien-status node polling the simulator's device
 * every 10 s, and core nodes writing each message as one JSON line to a file (messages are collected through core
 * nodes, not by reaching into Node-RED's internals).
 */
import { EMAIL, FlowNode, MAC, PASSWORD, waitFor } from './harness';
import { appendFileNode, jsonLineNode, readJsonLines } from './json-lines';

const DHW_MODE_NAMES = ['heat-pump', 'electric', 'energy-saver', 'high-demand', 'vacation', 'off'];
export const STATUS_TIMEOUT_MS = 45_000;

export interface StatusLine {
  topic: string;
  payload: Record<string, unknown>;
}

/** The status lines the flow's file node wrote, one JSON object per line. */
export function readStatusLines(file: string): StatusLine[] {
  return readJsonLines<StatusLine>(file);
}

export function isGoodStatus(line: StatusLine): boolean {
  const p = line.payload;
  return (
    line.topic === `navien/${MAC}/status` &&
    p !== null &&
    typeof p === 'object' &&
    p.online === true &&
    p.unit === 'C' &&
    typeof p.temperature === 'number' &&
    Number.isFinite(p.temperature) &&
    typeof p.tankCharge === 'number' &&
    p.tankCharge >= 0 &&
    p.tankCharge <= 100 &&
    typeof p.mode === 'string' &&
    DHW_MODE_NAMES.includes(p.mode)
  );
}

/**
 * account -> navien-status (device, °C, every 10 s, all statuses) -> change (JSONata: {topic, payload} as one JSON
 * string) -> file (appends a line). Core nodes only besides ours. `variant` changes only the names of the account and
 * status nodes (a harmless edit, as a user renaming a node before the next deploy).
 */
export function statusFlow(suffix: string, outFile: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }, variant = ''): FlowNode[] {
  const id = (name: string) => `e2e-${suffix}-${name}`;
  return [
    { id: id('tab'), type: 'tab', label: `e2e ${suffix}`, disabled: false, info: '' },
    {
      id: id('account'),
      type: 'navien-account',
      name: `e2e account (${suffix})${variant}`,
      apiUrl: endpoints.apiUrl,
      iotEndpoint: endpoints.iotEndpoint,
      caFile: endpoints.caFile,
      readOnly: false,
      credentials: { email: EMAIL, password: PASSWORD },
    },
    {
      id: id('status'),
      type: 'navien-status',
      z: id('tab'),
      account: id('account'),
      name: variant ? `status${variant}` : '',
      device: MAC,
      unit: 'C',
      interval: '10',
      output: 'all',
      x: 150,
      y: 80,
      wires: [[id('change')]],
    },
    // Not wired: here to prove the runtime registered these types too (a missing type keeps the flow from starting).
    {
      id: id('control'),
      type: 'navien-control',
      z: id('tab'),
      name: '',
      account: id('account'),
      device: MAC,
      unit: 'C',
      allowPowerOff: true,
      x: 150,
      y: 160,
      wires: [[]],
    },
    {
      id: id('diagnostics'),
      type: 'navien-diagnostics',
      z: id('tab'),
      name: '',
      account: id('account'),
      interval: 0,
      x: 150,
      y: 240,
      wires: [[]],
    },
    {
      id: id('planner'),
      type: 'navien-planner',
      z: id('tab'),
      name: '',
      account: id('account'),
      device: MAC,
      unit: 'C',
      apply: 'preview',
      targets: [{ at: '06:30', charge: 90 }],
      maxSetpoint: 60,
      allowElement: false,
      horizon: 24,
      reserve: 5,
      keepEntries: false,
      x: 150,
      y: 320,
      wires: [[], []],
    },
    jsonLineNode(id('change'), id('tab'), 'topic + payload as JSON', '$string({"topic": topic, "payload": payload})', id('file'), 350, 80),
    appendFileNode(id('file'), id('tab'), '', outFile, 550, 80),
  ];
}

export async function waitForGoodStatus(file: string, after = 0): Promise<StatusLine> {
  return waitFor(() => readStatusLines(file).slice(after).find(isGoodStatus), `a status line in ${file}`, STATUS_TIMEOUT_MS);
}

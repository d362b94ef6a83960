/**
 * navien-status's output "chart": small messages a chart node takes as they are (FlowFuse Dashboard 2.0's ui-chart
 * with its default series `msg.topic` and y `msg.payload`).
 *
 * Why not the status message itself: ui-chart keeps every message it draws (24 hours of them for a day's chart) to
 * draw them again for each browser that opens the page, so a message with `status` and `raw` costs a few kB per
 * point; and Dashboard 2.0 (1.31) cannot draw that history again for points made from one object with several
 * series. One number per message, named by its topic, is the shape every chart node stores cheaply and redraws.
 * No Node-RED here: the node sends what these functions return.
 */
import type { EnergyReport } from '../codec/energy-report';
import type { DeviceInfo, ReadResult } from '../types/device';
import type { StatusMessage } from './status-messages';

/** The summary fields a status chart draws, in this order: the tank's temperature (node's unit) and charge (0-100). */
export const STATUS_CHART_SERIES = ['temperature', 'tankCharge'] as const;

/** One point of one series: `topic` names the series (the chart's legend), `payload` is its value now. */
export interface ChartPoint {
  topic: string;
  payload: number;
  device: DeviceInfo;
}

/** One bar group of an energy chart: the day of the month (daily) or the month of the year (monthly), in kWh. */
export interface EnergyChartRow {
  day?: number;
  month?: number;
  heatPumpKWh: number | null;
  elementKWh: number | null;
}

/**
 * The chart points of one status: one message per series with a known value. None for a device that is offline (its
 * last status is old news: the chart shows a gap, not a flat line) and none for a missing or implausible (null) value,
 * since ui-chart cannot take a null payload. With `perDevice` (a node watching all devices of an account) the series
 * is named after the device too, so two heaters do not share one line.
 */
export function statusChartMessages(message: StatusMessage, perDevice: boolean): ChartPoint[] {
  if (!message.payload.online) return [];
  const summary = message.payload as unknown as Record<string, unknown>;
  const points: ChartPoint[] = [];
  for (const field of STATUS_CHART_SERIES) {
    const value = summary[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    points.push({ topic: perDevice ? `${message.device.name} ${field}` : field, payload: value, device: message.device });
  }
  return points;
}

/** Wh to kWh, exact to the watt-hour; null stays null (an implausible figure). */
function kWh(wh: number | null): number | null {
  return wh === null ? null : Math.round(wh) / 1000;
}

/**
 * An energy read's answer as rows for a (stacked) bar chart: one per day or month, heat pump and element in kWh.
 * ui-chart draws it with x = key `day` (or `month`) and the series `["heatPumpKWh", "elementKWh"]`.
 */
export function energyChartRows(report: EnergyReport): EnergyChartRow[] {
  return report.items.map((item) => ({
    ...(report.period === 'daily' ? { day: item.day } : { month: item.month }),
    heatPumpKWh: kWh(item.heatPumpWh),
    elementKWh: kWh(item.elementWh),
  }));
}

/**
 * What a read answers with under output "chart": an energy read as bar rows, without `raw` (ui-chart stores the whole
 * message once per row); every other read as it always does.
 */
export function chartReadAnswer(read: string, result: ReadResult): { payload: unknown; raw?: unknown } {
  // device-api answers an energy read with an EnergyReport.
  return read === 'energy' ? { payload: energyChartRows(result.payload as EnergyReport) } : result;
}

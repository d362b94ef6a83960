/**
 * Which values of an inbound message the unit cannot have reported (plausible.ts), named `<record>.<wire field>`
 * (e.g. `status.dhwChargePer`, `feature.dhwTemperatureMax`, `energy.hpUsage`) for the diagnostics count. It runs
 * the same decoders the nodes use (for status, the decoder's own range check over the same plan), so what is counted
 * is exactly what they report as null.
 */
import { decodeEnergyUsage } from './energy';
import { decodeFeature } from './feature';
import { ImplausibleReporter } from './plausible';
import { decodeInstallerCounters } from './installer';
import { decodeFirmwareDownloadInfo } from './replies';
import { InboundMessage } from './routing';
import { decodeRecircScheduleResponse, decodeReservationResponse } from './schedule';
import { reportImplausibleStatus } from './status';
import { decodeTouEcho } from './tou';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The implausible values of one inbound message, one name per value (a field twice wrong is named twice). */
export function implausibleValues(message: InboundMessage): string[] {
  const found: string[] = [];
  const as = (name: string): ImplausibleReporter => (field) => found.push(`${name}.${field}`);
  const response = message.response;
  if (!response) return found;
  // The unit (°C) does not matter: plausibility is judged on the wire value before any conversion.
  switch (message.kind) {
    case 'status':
      // Every status, often several a minute: checked without decoding it (the same ranges decodeStatus applies).
      reportImplausibleStatus(record(response.status), as('status'));
      break;
    case 'feature':
      decodeFeature(record(response.feature), 'C', as('feature'));
      break;
    case 'energy':
      decodeEnergyUsage(response, as('energy'));
      break;
    case 'reservation':
      decodeReservationResponse(response, 'C', as('schedule'));
      break;
    case 'recirc-reservation':
      decodeRecircScheduleResponse(response, as('recircSchedule'));
      break;
    case 'tou-echo':
      decodeTouEcho(response, as('tou'));
      break;
    case 'diagnostics':
      decodeInstallerCounters(response, as('installerDiagnostics'));
      break;
    case 'firmware':
      decodeFirmwareDownloadInfo(response, as('firmware'));
      break;
    default:
      break;
  }
  return found;
}

/**
 * The installer diagnostics counters (`td`, docs/protocol.md#installer-diagnostics) as named fields with their units
 * in the names. The wire groups and their vendor misspellings stay in `msg.raw`.
 *
 * Units: energy in Wh and component run times in hours are documented (`cumulatedPwrHp/He` equal the energy
 * totals, `cumulatedOpTimeComp` the lifetime `hpTime`); the draw volumes are litres like `cumulatedDhwFlowRate`, which
 * is unverified (docs/protocol.md#flow); the units of the draw times, the recovery time and the demand-response run
 * times are not documented, so those fields carry no unit in their names and are passed on as counted.
 */
import { DIAGNOSTICS_RANGES, ImplausibleReporter, plausibleNumber } from './plausible';
import { roundTo } from './units';

type Obj = Record<string, unknown>;

function record(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

/** Run time and starts of one component. */
export interface ComponentCounters {
  hours: number | null;
  starts: number | null;
}

export interface InstallerCounters {
  /** 2 on the NWP500. */
  typeOfTD: number | null;
  daysSinceInstallation: number | null;
  /** Lifetime energy by heat source. */
  energy: {
    heatPumpWh: number | null;
    elementWh: number | null;
    totalWh: number | null;
    heatPumpKWh: number | null;
    elementKWh: number | null;
    totalKWh: number | null;
    /** Heat-pump share of the energy, percent with one decimal; null when nothing was used or a part is unknown. */
    heatPumpShare: number | null;
  };
  components: {
    compressor: ComponentCounters;
    evaporatorFan: ComponentCounters;
    upperElement: ComponentCounters;
    lowerElement: ComponentCounters;
    recirculationPump: ComponentCounters;
    expansionValveSteps: number | null;
    shutOffValveOperations: number | null;
    mixingValveSteps: number | null;
    /** Percent. */
    mixingValveAverageRate: number | null;
    /** Run hours of inverter compressor stages 1-4 (0 on the NWP500). */
    inverterCompressorHours: Array<number | null>;
  };
  /** How often each protection or fault occurred in the unit's life. */
  events: {
    eco: number | null;
    dryFire: number | null;
    freezeProtection: number | null;
    condensateOverflow: number | null;
    waterLeak: number | null;
    abnormalDischargeTemperature: number | null;
    highPressure: number | null;
    abnormalSuctionTemperature: number | null;
    abnormalDischargeSuctionTemperature: number | null;
  };
  /** Run time under each demand-response event type, as counted by the unit (unit not documented). */
  demandResponse: {
    shed: number | null;
    loadUp: number | null;
    advancedLoadUp: number | null;
    criticalPeak: number | null;
    gridEmergency: number | null;
  };
  /** Hot-water draw statistics. */
  draws: {
    count: number | null;
    /** Litres (unverified, docs/protocol.md#flow). */
    volumeL: number | null;
    /** As counted by the unit (unit not documented). */
    time: number | null;
    longCount: number | null;
    longVolumeL: number | null;
    longTime: number | null;
    shortCount: number | null;
    /** As counted by the unit (unit not documented). */
    averageRecoveryTime: number | null;
  };
}

function kWh(wh: number | null): number | null {
  return wh === null ? null : roundTo(wh / 1000, 2);
}

/**
 * Decodes `response` of a `td/rd` reply. Never throws; a missing or non-numeric counter is null, and so is one the unit
 * cannot report (negative, not finite: plausible.ts), reported to `onImplausible` by wire name.
 */
export function decodeInstallerCounters(response: unknown, onImplausible?: ImplausibleReporter): InstallerCounters {
  const r = record(response);
  const data = record(r.data);
  const ts = record(data.tsData);
  const td = record(data.tdData);
  const ta = record(data.taData);
  const n = (group: Obj, key: string) => plausibleNumber(DIAGNOSTICS_RANGES, key, group[key], onImplausible);
  const component = (time: string, starts: string): ComponentCounters => ({ hours: n(ta, time), starts: n(ta, starts) });
  const heatPumpWh = n(ts, 'cumulatedPwrHp');
  const elementWh = n(ts, 'cumulatedPwrHe');
  const totalWh = heatPumpWh !== null && elementWh !== null ? heatPumpWh + elementWh : null;
  return {
    typeOfTD: typeof r.typeOfTD === 'number' && Number.isFinite(r.typeOfTD) ? r.typeOfTD : null,
    daysSinceInstallation: n(ts, 'daysSinceInstallation'),
    energy: {
      heatPumpWh,
      elementWh,
      totalWh,
      heatPumpKWh: kWh(heatPumpWh),
      elementKWh: kWh(elementWh),
      totalKWh: kWh(totalWh),
      heatPumpShare: heatPumpWh !== null && totalWh !== null && totalWh > 0 ? roundTo((heatPumpWh / totalWh) * 100, 1) : null,
    },
    components: {
      compressor: component('cumulatedOpTimeComp', 'cumulatedOpNumComp'),
      evaporatorFan: component('cumulatedOpTimeEvaFan', 'cumulatedOpNumEvaFan'),
      upperElement: component('cumulatedOpTimeUhe', 'cumulatedOpNumUhe'),
      lowerElement: component('cumulatedOpTimeLhe', 'cumulatedOpNumLhe'),
      recirculationPump: component('cumulatedOpTimeRecircPump', 'cumulatedOpNumRecircPump'),
      expansionValveSteps: n(ta, 'cumulatedOpStepEev'),
      shutOffValveOperations: n(ta, 'cumulatedOpNumShutOffVv'),
      mixingValveSteps: n(ta, 'mixingValveOpTotalStep'),
      mixingValveAverageRate: n(ta, 'mixingValveOpAvgMixinGrate'),
      inverterCompressorHours: [1, 2, 3, 4].map((i) => n(ta, `cumulatedOpTimeInvComp${i}`)),
    },
    events: {
      eco: n(ts, 'cumulatedOccNumEco'),
      dryFire: n(ts, 'cumulatedOccNumDryFire'),
      // "numOffRostProtectBurn": number of freeze ("frost") protection runs.
      freezeProtection: n(ts, 'numOffRostProtectBurn'),
      condensateOverflow: n(ts, 'cumulatedOccNumConOvrFlow'),
      waterLeak: n(ts, 'cumulatedOccNumWtrOvrFlow'),
      abnormalDischargeTemperature: n(ts, 'cumulatedOccNumAbDisTmp'),
      // "Hpo" is read as high pressure; the vendor does not spell it out.
      highPressure: n(ts, 'cumulatedOccNumHpo'),
      abnormalSuctionTemperature: n(ts, 'cumulatedOccNumAbSucTmp'),
      abnormalDischargeSuctionTemperature: n(ts, 'cumulatedOccNumAbDisSucTmp'),
    },
    demandResponse: {
      shed: n(ts, 'cumulatedOpTimeDrShed'),
      loadUp: n(ts, 'cumulatedOpTimeDrLoadUp'),
      advancedLoadUp: n(ts, 'cumulatedOpTimeDrAdvLoadUp'),
      criticalPeak: n(ts, 'cumulatedOpTimeDrCpp'),
      gridEmergency: n(ts, 'cumulatedOpTimeDrGridEmg'),
    },
    draws: {
      count: n(td, 'numOfdhwUse'),
      volumeL: n(td, 'dhwUseTotalFlow'),
      time: n(td, 'dhwUseTotalTime'),
      longCount: n(td, 'numOfLongDhwUse'),
      longVolumeL: n(td, 'longDhwUseTotalFlow'),
      longTime: n(td, 'longDhwUseTotalTime'),
      shortCount: n(td, 'numOfShortDhwUse'),
      averageRecoveryTime: n(td, 'avrageRecoveryTime'),
    },
  };
}

// Start values for a simulated NWP500, taken from the protocol fixtures (test/fixtures/mqtt/status.response.json,
// status.current-firmware.composite.json for the newer-firmware keys, feature.response.composite.json,
// rest/firmware-info.response.json, rest/tou-info.response.json). Kept here so the simulator runs without them.

export type StatusFields = Record<string, number>;
export type FeatureFields = Record<string, number | string>;

/** Captured reply to a status request (87 keys, Heat Pump mode). */
export const CAPTURED_STATUS: Readonly<StatusFields> = Object.freeze({
  command: 16777219,
  outsideTemperature: 0,
  specialFunctionStatus: 1,
  didReload: 1,
  errorCode: 0,
  subErrorCode: 0,
  operationMode: 32,
  operationBusy: 2,
  freezeProtectionUse: 2,
  dhwUse: 1,
  dhwUseSustained: 0,
  dhwTemperature: 117,
  dhwTemperatureSetting: 121,
  programReservationUse: 1,
  smartDiagnostic: 0,
  faultStatus1: 0,
  faultStatus2: 0,
  wifiRssi: 59,
  ecoUse: 2,
  dhwTargetTemperatureSetting: 121,
  tankUpperTemperature: 586,
  tankLowerTemperature: 536,
  dischargeTemperature: 561,
  suctionTemperature: 250,
  evaporatorTemperature: 273,
  ambientTemperature: 260,
  targetSuperHeat: 50,
  compUse: 1,
  eevUse: 2,
  evaFanUse: 1,
  currentInstPower: 1,
  shutOffValveUse: 1,
  conOvrSensorUse: 1,
  wtrOvrSensorUse: 1,
  dhwChargePer: 92,
  drEventStatus: 0,
  vacationDaySetting: 0,
  vacationDayElapsed: 0,
  freezeProtectionTemperature: 12,
  antiLegionellaUse: 1,
  antiLegionellaPeriod: 7,
  antiLegionellaOperationBusy: 1,
  programReservationType: 0,
  dhwOperationSetting: 1,
  temperatureType: 2,
  tempFormulaType: 1,
  errorBuzzerUse: 2,
  currentHeatUse: 1,
  currentInletTemperature: 0,
  currentStatenum: 70,
  targetFanRpm: 0,
  currentFanRpm: 0,
  fanPwm: 0,
  dhwTemperature2: 0,
  currentDhwFlowRate: 0,
  mixingRate: 0,
  eevStep: 480,
  currentSuperHeat: -1,
  heatUpperUse: 1,
  heatLowerUse: 1,
  scaldUse: 2,
  airFilterAlarmUse: 2,
  airFilterAlarmPeriod: 1000,
  airFilterAlarmElapsed: 0,
  cumulatedOpTimeEvaFan: 185,
  cumulatedDhwFlowRate: 0,
  touStatus: 3,
  hpUpperOnTempSetting: 121,
  hpUpperOffTempSetting: 121,
  hpLowerOnTempSetting: 121,
  hpLowerOffTempSetting: 121,
  heUpperOnTempSetting: 121,
  heUpperOffTempSetting: 121,
  heLowerOnTempSetting: 70,
  heLowerOffTempSetting: 121,
  hpUpperOnDiffTempSetting: 0,
  hpUpperOffDiffTempSetting: 0,
  hpLowerOnDiffTempSetting: 4,
  hpLowerOffDiffTempSetting: 2,
  heUpperOnDiffTempSetting: 0,
  heUpperOffDiffTempSetting: 0,
  heLowerOnTDiffempSetting: 0,
  heLowerOffDiffTempSetting: 0,
  drOverrideStatus: 0,
  touOverrideStatus: 2,
  totalEnergyCapacity: 1861,
  availableEnergyCapacity: 386
});

/** Keys newer firmware adds (dhwOperationBusy, heatMinOpTemperature, recirculation block). */
export const NEWER_FIRMWARE_STATUS: Readonly<StatusFields> = Object.freeze({
  dhwOperationBusy: 2,
  heatMinOpTemperature: 81,
  recircOperationBusy: 1,
  recircReservationUse: 1,
  recircOperationMode: 0,
  recircTempSetting: 0,
  recircTemperature: 0,
  recircPumpOperationStatus: 0,
  recircFaucetTemperature: 0,
  recircHotBtnReady: 0,
  recircOperationReason: 0,
  recircDhwFlowRate: 0,
  recircErrorStatus: 0
});

/** Composite device-info (`st/did`) feature block. */
export const DEFAULT_FEATURE: Readonly<FeatureFields> = Object.freeze({
  countryCode: 3,
  modelTypeCode: 513,
  controlTypeCode: 100,
  volumeCode: 2,
  controllerSwVersion: 184614912,
  panelSwVersion: 0,
  wifiSwVersion: 34013184,
  controllerSwCode: 1,
  panelSwCode: 0,
  wifiSwCode: 1,
  recircSwVersion: 0,
  recircModelTypeCode: 0,
  controllerSerialNumber: "TEST0000SN00000001",
  temperatureType: 2,
  tempFormulaType: 1,
  dhwTemperatureSettingUse: 2,
  dhwTemperatureMin: 81,
  dhwTemperatureMax: 131,
  freezeProtectionTempMin: 12,
  freezeProtectionTempMax: 20,
  recircTemperatureMin: 81,
  recircTemperatureMax: 120,
  powerUse: 2,
  holidayUse: 2,
  programReservationUse: 2,
  dhwUse: 2,
  smartDiagnosticUse: 2,
  wifiRssiUse: 2,
  energyUsageUse: 2,
  freezeProtectionUse: 2,
  mixingValueUse: 1,
  drSettingUse: 2,
  antiLegionellaSettingUse: 2,
  hpwhUse: 2,
  dhwRefillUse: 2,
  ecoUse: 2,
  electricUse: 2,
  heatpumpUse: 2,
  energySaverUse: 2,
  highDemandUse: 2,
  recirculationUse: 1,
  recircReservationUse: 2,
  title24Use: 1
});

/** One component of `/device/firmware/info` without the per-device fields. */
export interface FirmwareComponent {
  curSwCode: number;
  curVersion: number;
  downloadedVersion: number | null;
  deviceGroup: string | null;
}

/** Captured firmware components of `/device/firmware/info` (per-device fields are added at reply time). */
export const DEFAULT_FIRMWARES: ReadonlyArray<Readonly<FirmwareComponent>> = [
  {
    deviceGroup: null,
    curSwCode: 33556241,
    curVersion: 167837696,
    downloadedVersion: 0
  },
  {
    deviceGroup: null,
    curSwCode: 268435985,
    curVersion: 34013184,
    downloadedVersion: null
  },
  {
    deviceGroup: null,
    curSwCode: 268435761,
    curVersion: 60454,
    downloadedVersion: null
  },
  {
    deviceGroup: null,
    curSwCode: 268435777,
    curVersion: 60454,
    downloadedVersion: null
  }
];

/** Captured TOU plan of `GET /device/tou` (controllerId is replaced by the device serial). */
export const DEFAULT_TOU_PLAN = {
  registerPath: "bt",
  sourceType: "openei",
  touInfo: {
    controllerId: "TEST0000SN00000001",
    manufactureId: "TESTMANUFACTURE01",
    name: "E-TOU-C Residential Time of Use Baseline Region V (All Electric Service)",
    schedule: [
      {
        season: 3615,
        interval: [
          {
            priceMin: 36261,
            endHour: 15,
            priceMax: 46378,
            week: 124,
            decimalPoint: 5,
            startHour: 0,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 39261,
            endHour: 20,
            priceMax: 49378,
            week: 124,
            decimalPoint: 5,
            startHour: 16,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 36261,
            endHour: 23,
            priceMax: 46378,
            week: 124,
            decimalPoint: 5,
            startHour: 21,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 36261,
            endHour: 15,
            priceMax: 46378,
            week: 130,
            decimalPoint: 5,
            startHour: 0,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 39261,
            endHour: 20,
            priceMax: 49378,
            week: 130,
            decimalPoint: 5,
            startHour: 16,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 36261,
            endHour: 23,
            priceMax: 46378,
            week: 130,
            decimalPoint: 5,
            startHour: 21,
            startMinute: 0,
            endMinute: 59
          }
        ]
      },
      {
        season: 480,
        interval: [
          {
            priceMin: 40378,
            endHour: 15,
            priceMax: 50495,
            week: 124,
            decimalPoint: 5,
            startHour: 0,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 50678,
            endHour: 20,
            priceMax: 60795,
            week: 124,
            decimalPoint: 5,
            startHour: 16,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 40378,
            endHour: 23,
            priceMax: 50495,
            week: 124,
            decimalPoint: 5,
            startHour: 21,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 40378,
            endHour: 15,
            priceMax: 50495,
            week: 130,
            decimalPoint: 5,
            startHour: 0,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 50678,
            endHour: 20,
            priceMax: 60795,
            week: 130,
            decimalPoint: 5,
            startHour: 16,
            startMinute: 0,
            endMinute: 59
          },
          {
            priceMin: 40378,
            endHour: 23,
            priceMax: 50495,
            week: 130,
            decimalPoint: 5,
            startHour: 21,
            startMinute: 0,
            endMinute: 59
          }
        ]
      }
    ],
    utility: "Pacific Gas & Electric Co",
    zipCode: 99999
  }
};

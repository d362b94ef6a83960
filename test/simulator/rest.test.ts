import * as assert from 'node:assert/strict';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { call, signIn, MAC } from './helpers';

describe('simulator REST API', () => {
  let sim: NavilinkSimulator;

  before(async () => {
    sim = await NavilinkSimulator.start({
      speed: 0,
      accounts: [
        { email: 'user@example.com', password: 'example-password' },
        {
          email: 'installer@example.com',
          password: 'pw',
          forbiddenPaths: ['/device/firmware/info'],
          devices: [{ macAddress: '0a1b2c3d4e99', installer: { installerId: 'I-7', installerFirstName: 'Ina', installerLastName: 'Staller', installerPhoneNumber: '555-0100' } }],
        },
        {
          email: 'many@example.com',
          password: 'pw',
          devices: Array.from({ length: 23 }, (_, i) => ({ macAddress: `0000000000${i.toString(16).padStart(2, '0')}`, serialNumber: `SN${i}` })),
        },
      ],
    });
  });
  after(() => sim.stop());

  it('serves the API under https://localhost with the test CA', () => {
    assert.match(sim.apiUrl, /^https:\/\/localhost:\d+\/api\/v2\.1$/);
    assert.match(sim.iotEndpoint, /^localhost:\d+$/);
  });

  it('signs in with fresh unique tokens and AWS credentials each time', async () => {
    const r = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'example-password' });
    assert.equal(r.status, 200);
    assert.equal(r.body.code, 200);
    assert.equal(r.body.msg, 'SUCCESS');
    const { userInfo, token } = r.body.data;
    assert.deepEqual(userInfo, { userType: 'O', userFirstName: 'Test', userLastName: 'User', userStatus: 'NORMAL', userSeq: 10001 });
    assert.ok(Array.isArray(r.body.data.legal));
    for (const k of ['idToken', 'accessToken', 'refreshToken', 'secretKey', 'sessionToken']) assert.equal(typeof token[k], 'string', k);
    assert.match(token.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(token.authenticationExpiresIn, 3600);
    assert.equal(token.authorizationExpiresIn, 3600);
    const again = await signIn(sim.caFile, sim.apiUrl);
    assert.notEqual(again.accessToken, token.accessToken);
    assert.notEqual(again.accessKeyId, token.accessKeyId);
    assert.notEqual(again.sessionToken, token.sessionToken);
  });

  it('reports a wrong password and an unknown e-mail with HTTP 200 and an error code', async () => {
    const wrong = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'nope' });
    assert.equal(wrong.status, 200);
    assert.deepEqual(wrong.body, { code: 1001, msg: 'INVALID_USER_PASSWORD' });
    const unknown = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'nobody@example.com', password: 'x' });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body.msg, 'USER_NOT_FOUND');
    assert.notEqual(unknown.body.code, 200);
  });

  it('setPassword changes the accepted password', async () => {
    sim.setPassword('user@example.com', 'changed');
    try {
      const old = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'example-password' });
      assert.equal(old.body.code, 1001);
      await signIn(sim.caFile, sim.apiUrl, 'user@example.com', 'changed');
    } finally {
      sim.setPassword('user@example.com', 'example-password');
    }
  });

  it('refresh returns only the JWT fields and keeps the refresh token', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    const before = sim.refreshCount;
    const r = await call(sim.caFile, `${sim.apiUrl}/auth/refresh`, 'POST', { refreshToken: t.refreshToken });
    assert.equal(r.body.code, 200);
    assert.deepEqual(Object.keys(r.body.data).sort(), ['accessToken', 'authenticationExpiresIn', 'idToken', 'refreshToken']);
    assert.equal(r.body.data.refreshToken, t.refreshToken);
    assert.notEqual(r.body.data.accessToken, t.accessToken);
    assert.equal(sim.refreshCount, before + 1);
    const list = await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', { offset: 0, count: 20, userId: 'user@example.com' }, { authorization: r.body.data.accessToken });
    assert.equal(list.body.code, 200);
    const bad = await call(sim.caFile, `${sim.apiUrl}/auth/refresh`, 'POST', { refreshToken: 'bogus' });
    assert.equal(bad.status, 401);
  });

  it('rejects missing, Bearer-prefixed, unknown and expired access tokens with 401', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    const url = `${sim.apiUrl}/device/list`;
    const body = { offset: 0, count: 20, userId: 'user@example.com' };
    assert.equal((await call(sim.caFile, url, 'POST', body)).status, 401);
    assert.equal((await call(sim.caFile, url, 'POST', body, { authorization: `Bearer ${t.accessToken}` })).status, 401);
    assert.equal((await call(sim.caFile, url, 'POST', body, { authorization: 'made-up' })).status, 401);
    assert.equal((await call(sim.caFile, url, 'POST', body, { authorization: t.accessToken })).status, 200);
    sim.expireAccessTokens('user@example.com');
    assert.equal((await call(sim.caFile, url, 'POST', body, { authorization: t.accessToken })).status, 401);
  });

  it('lists devices in the captured shape and pages by offset/count', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    const r = await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', { offset: 0, count: 20, userId: 'user@example.com' }, { authorization: t.accessToken });
    assert.equal(r.body.data.length, 1);
    const d = r.body.data[0];
    assert.deepEqual(
      { ...d.deviceInfo },
      { homeSeq: 20001, macAddress: MAC, additionalValue: '1234', deviceType: 52, deviceName: 'NWP500', connected: 2, modelTypeCode: 513, installerId: null },
    );
    assert.deepEqual(d.location, { state: 'Example State', city: 'Example City', address: '1 Example Street' });

    const m = await signIn(sim.caFile, sim.apiUrl, 'many@example.com', 'pw');
    const page = async (offset: number): Promise<string[]> =>
      (await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', { offset, count: 20, userId: 'many@example.com' }, { authorization: m.accessToken })).body.data.map(
        (e: { deviceInfo: { macAddress: string } }) => e.deviceInfo.macAddress,
      );
    const first = await page(0);
    const second = await page(20);
    assert.equal(first.length, 20);
    assert.equal(second.length, 3);
    assert.equal(new Set([...first, ...second]).size, 23);
  });

  it('shows an offline device as connected 1', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    sim.setDeviceOffline(MAC, true);
    try {
      const r = await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', { offset: 0, count: 20, userId: 'user@example.com' }, { authorization: t.accessToken });
      assert.equal(r.body.data[0].deviceInfo.connected, 1);
    } finally {
      sim.setDeviceOffline(MAC, false);
    }
  });

  it('serves device info (without mac/additionalValue) and firmware info', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    const body = { macAddress: MAC, additionalValue: '1234', userId: 'user@example.com' };
    const info = await call(sim.caFile, `${sim.apiUrl}/device/info`, 'POST', body, { authorization: t.accessToken });
    assert.equal(info.body.code, 200);
    assert.deepEqual(info.body.data.deviceInfo, { homeSeq: 20001, deviceName: 'NWP500', deviceType: 52, installType: 'R', connected: 2 });
    assert.equal(info.body.data.location.altitude, null);
    assert.deepEqual(info.body.data.alarmInfo, { isEtcAlarm: 1, isErrorAlarm: 1 });
    const fw = await call(sim.caFile, `${sim.apiUrl}/device/firmware/info`, 'POST', body, { authorization: t.accessToken });
    assert.equal(fw.body.data.firmwares.length, 4);
    assert.deepEqual(fw.body.data.firmwares[0], { macAddress: MAC, additionalValue: '1234', deviceType: 52, curSwCode: 33556241, curVersion: 167837696, downloadedVersion: 0, deviceGroup: null });
    const unknown = await call(sim.caFile, `${sim.apiUrl}/device/info`, 'POST', { ...body, macAddress: 'ffffffffffff' }, { authorization: t.accessToken });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { code: 404, msg: 'NOT_FOUND', data: null });
  });

  it('refuses the paths an account is forbidden with 403, serves the installer contact and a downloaded firmware version', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl, 'installer@example.com', 'pw');
    const body = { macAddress: '0a1b2c3d4e99', additionalValue: '1234', userId: 'installer@example.com' };
    const fw = await call(sim.caFile, `${sim.apiUrl}/device/firmware/info`, 'POST', body, { authorization: t.accessToken });
    assert.deepEqual([fw.status, fw.body], [403, { code: 403, msg: 'FORBIDDEN', data: null }]);
    const info = await call(sim.caFile, `${sim.apiUrl}/device/info`, 'POST', body, { authorization: t.accessToken });
    assert.deepEqual(info.body.data.installer, { installerId: 'I-7', installerFirstName: 'Ina', installerLastName: 'Staller', installerPhoneNumber: '555-0100' });
    sim.forbidRest('installer@example.com', '/device/firmware/info', false);
    sim.forbidRest('installer@example.com', '/device/info');
    assert.equal((await call(sim.caFile, `${sim.apiUrl}/device/info`, 'POST', body, { authorization: t.accessToken })).status, 403);
    sim.setFirmwareUpdate('0a1b2c3d4e99', { swCode: 4, swVersion: 34013200 });
    const pending = await call(sim.caFile, `${sim.apiUrl}/device/firmware/info`, 'POST', body, { authorization: t.accessToken });
    assert.deepEqual(pending.body.data.firmwares.map((f: { downloadedVersion: number | null }) => f.downloadedVersion), [0, 34013200, null, null]);
    sim.setFirmwareUpdate('0a1b2c3d4e99', undefined);
    const none = await call(sim.caFile, `${sim.apiUrl}/device/firmware/info`, 'POST', body, { authorization: t.accessToken });
    assert.deepEqual(none.body.data.firmwares.map((f: { downloadedVersion: number | null }) => f.downloadedVersion), [0, 0, null, null]);
  });

  it('reads and replaces the TOU plan', async () => {
    const t = await signIn(sim.caFile, sim.apiUrl);
    const q = new URLSearchParams({ additionalValue: '1234', controllerId: 'TEST0000SN00000001', macAddress: MAC, userId: 'user@example.com', userType: 'O' });
    const r = await call(sim.caFile, `${sim.apiUrl}/device/tou?${q}`, 'GET', undefined, { authorization: t.accessToken });
    assert.equal(r.body.code, 200);
    assert.equal(r.body.data.sourceType, 'openei');
    assert.equal(r.body.data.touInfo.controllerId, 'TEST0000SN00000001');
    assert.equal(r.body.data.touInfo.schedule.length, 2);
    assert.equal(r.body.data.touInfo.schedule[0].interval[0].week, 124);

    const schedule = [{ season: 4095, interval: [{ week: 254, startHour: 16, startMinute: 0, endHour: 20, endMinute: 59, priceMin: 1, priceMax: 2, decimalPoint: 2 }] }];
    const put = await call(
      sim.caFile,
      `${sim.apiUrl}/device/tou`,
      'PUT',
      { additionalValue: '1234', macAddress: MAC, registerPath: 'wifi', sourceData: {}, sourceType: 'openei', touInfo: { name: 'Flat', schedule, utility: 'U', zipCode: '99999' }, userId: 'user@example.com', userType: 'O', zipCode: '99999' },
      { authorization: t.accessToken },
    );
    assert.equal(put.body.code, 200);
    assert.equal(put.body.data.touInfo.zipCode, 99999);
    const again = await call(sim.caFile, `${sim.apiUrl}/device/tou?${q}`, 'GET', undefined, { authorization: t.accessToken });
    assert.equal(again.body.data.registerPath, 'wifi');
    assert.deepEqual(again.body.data.touInfo.schedule, schedule);
    const wrongController = new URLSearchParams(q);
    wrongController.set('controllerId', 'OTHER');
    assert.equal((await call(sim.caFile, `${sim.apiUrl}/device/tou?${wrongController}`, 'GET', undefined, { authorization: t.accessToken })).status, 404);
  });

  it('injects failures and delays', async () => {
    sim.failRest('/user/sign-in', { status: 503, times: 2 });
    const a = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'example-password' });
    const b = await call(sim.caFile, `${sim.apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'example-password' });
    assert.equal(a.status, 503);
    assert.equal(b.status, 503);
    await signIn(sim.caFile, sim.apiUrl);
    sim.failRest('*');
    assert.equal((await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', {})).status, 500);
    sim.delayRest(300);
    const started = Date.now();
    await signIn(sim.caFile, sim.apiUrl);
    assert.ok(Date.now() - started >= 280);
    sim.delayRest(0);
  });

  it('counts sign-ins and answers unknown paths with the documented 404 envelope', async () => {
    const before = sim.signInCount;
    await signIn(sim.caFile, sim.apiUrl);
    assert.equal(sim.signInCount, before + 1);
    const r = await call(sim.caFile, `${sim.apiUrl}/no/such/path`, 'POST', {});
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { code: 404, msg: 'NOT_FOUND', data: null });
  });
});

// Test PKI for the simulator: a private CA plus a server certificate for localhost/127.0.0.1.
// Clients trust the simulator by adding `caFile` to their trust store; TLS verification stays on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import forge from 'node-forge';

export interface SimulatorCerts {
  dir: string;
  /** PEM file of the test CA; give it to clients as their CA. */
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

const CA_NAME = 'NaviLink Simulator Test CA';
const DAY_MS = 24 * 3600 * 1000;
// Regenerate well before expiry so a long test run never crosses the boundary.
const MIN_REMAINING_MS = 7 * DAY_MS;

export function defaultTestCertDir(): string {
  return path.join(os.tmpdir(), `navien-sim-certs-${process.getuid?.() ?? 'user'}`);
}

/** Returns the certificates in `dir`, generating them when missing, unparsable or about to expire. */
export function ensureCerts(dir: string): SimulatorCerts {
  const files = {
    caFile: path.join(dir, 'ca.pem'),
    certFile: path.join(dir, 'server-cert.pem'),
    keyFile: path.join(dir, 'server-key.pem'),
  };
  const existing = loadIfValid(dir, files);
  if (existing) return existing;

  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Several test processes may start at once: generate under a lock so the three files always belong together.
  return withLock(path.join(dir, '.lock'), () => {
    const again = loadIfValid(dir, files);
    if (again) return again;
    const { ca, cert, key } = generate();
    writeAtomic(files.keyFile, key, 0o600);
    writeAtomic(files.certFile, cert, 0o644);
    writeAtomic(files.caFile, ca, 0o644);
    return { dir, ...files, ca, cert, key };
  });
}

function withLock<T>(lockFile: string, fn: () => T): T {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lockFile, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - safeMtime(lockFile);
      if (age > 30_000) fs.rmSync(lockFile, { force: true }); // left behind by a crashed process
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile}`, { cause: err });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // synchronous sleep
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function safeMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function loadIfValid(dir: string, files: { caFile: string; certFile: string; keyFile: string }): SimulatorCerts | undefined {
  try {
    const ca = fs.readFileSync(files.caFile, 'utf8');
    const cert = fs.readFileSync(files.certFile, 'utf8');
    const key = fs.readFileSync(files.keyFile, 'utf8');
    const caCert = forge.pki.certificateFromPem(ca);
    const serverCert = forge.pki.certificateFromPem(cert);
    const privateKey = forge.pki.privateKeyFromPem(key);
    const serverPublic = serverCert.publicKey as forge.pki.rsa.PublicKey;
    const now = Date.now();
    const valid =
      caCert.verify(serverCert) &&
      serverPublic.n.equals(privateKey.n) &&
      caCert.validity.notAfter.getTime() - now > MIN_REMAINING_MS &&
      serverCert.validity.notAfter.getTime() - now > MIN_REMAINING_MS &&
      serverCert.validity.notBefore.getTime() <= now &&
      hasLocalhostSan(serverCert);
    return valid ? { dir, ...files, ca, cert, key } : undefined;
  } catch {
    return undefined;
  }
}

function hasLocalhostSan(cert: forge.pki.Certificate): boolean {
  const ext: { altNames?: Array<{ type: number; value?: string; ip?: string }> } | undefined = cert.getExtension('subjectAltName');
  const names = ext?.altNames ?? [];
  return names.some((n) => n.type === 2 && n.value === 'localhost') && names.some((n) => n.type === 7 && n.ip === '127.0.0.1');
}

function randomSerial(): string {
  // Positive serial: clear the top bit of the first byte.
  const bytes = forge.random.getBytesSync(16);
  const hex = forge.util.bytesToHex(bytes);
  return (parseInt(hex[0], 16) & 0x7).toString(16) + hex.slice(1);
}

function generate(): { ca: string; cert: string; key: string } {
  const now = new Date();
  const notBefore = new Date(now.getTime() - DAY_MS); // tolerate small clock skew
  const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = caKeys.publicKey;
  caCert.serialNumber = randomSerial();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = new Date(now.getTime() + 3650 * DAY_MS);
  const caSubject = [{ name: 'commonName', value: CA_NAME }, { name: 'organizationName', value: 'node-red-contrib-navien tests' }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const serverCert = forge.pki.createCertificate();
  serverCert.publicKey = serverKeys.publicKey;
  serverCert.serialNumber = randomSerial();
  serverCert.validity.notBefore = notBefore;
  // Under 825 days: the longest server-certificate lifetime common TLS stacks accept.
  serverCert.validity.notAfter = new Date(now.getTime() + 800 * DAY_MS);
  serverCert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  serverCert.setIssuer(caSubject);
  serverCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  serverCert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    ca: forge.pki.certificateToPem(caCert),
    cert: forge.pki.certificateToPem(serverCert),
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

function writeAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

import { rootCertificates } from 'node:tls';
import { readCaFile } from './ca-file';
import { EndpointConfigError } from './errors';

/** Production endpoints of the NaviLink cloud (docs/protocol.md#rest-envelope, #broker). */
export const DEFAULT_API_URL = 'https://nlus.naviensmartcontrol.com/api/v2.1';
export const DEFAULT_IOT_HOST = 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com';
export const DEFAULT_IOT_PORT = 443;
export const AWS_REGION = 'us-east-1';

export interface EndpointOverrides {
  apiUrl?: string;
  iotEndpoint?: string;
  caFile?: string;
}

/** Where the cloud is, checked but without the CA file read yet (resolveEndpoints). */
export interface EndpointAddresses {
  apiUrl: string;
  iotHost: string;
  iotPort: number;
  caFile?: string;
}

export interface Endpoints extends EndpointAddresses {
  /**
   * Extra trusted CAs (PEM) on top of the system roots, or undefined for the system roots only. Not optional: only
   * loadEndpoints makes an Endpoints, so addresses whose CA file was never read cannot be used by mistake.
   */
  extraCa: string | undefined;
}

/**
 * Explicit settings (the account node's Advanced fields) win over the environment
 * (NAVIEN_API_URL, NAVIEN_IOT_ENDPOINT, NAVIEN_CA_FILE), which win over the production defaults.
 * Read when a connection starts, so a redeploy picks up changes. Checks the addresses only; loadEndpoints also reads
 * the CA file.
 */
export function resolveEndpoints(overrides: EndpointOverrides = {}, env: NodeJS.ProcessEnv = process.env): EndpointAddresses {
  const apiUrl = parseApiUrl(pick(overrides.apiUrl, env.NAVIEN_API_URL) ?? DEFAULT_API_URL);
  const { host, port } = parseHostPort(pick(overrides.iotEndpoint, env.NAVIEN_IOT_ENDPOINT));
  const caFile = pick(overrides.caFile, env.NAVIEN_CA_FILE);
  return { apiUrl, iotHost: host, iotPort: port, caFile };
}

/** resolveEndpoints, then the CA file read asynchronously (src/shared/ca-file.ts: regular files under 1 MB only). */
export async function loadEndpoints(overrides: EndpointOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<Endpoints> {
  return withCaFile(resolveEndpoints(overrides, env));
}

/** The addresses with their CA file read. */
export async function withCaFile(addresses: EndpointAddresses): Promise<Endpoints> {
  return { ...addresses, extraCa: addresses.caFile ? await readCaFile(addresses.caFile) : undefined };
}

/** System roots plus the extra CAs: extra trust never replaces the normal trust store. */
export function trustedCas(endpoints: Endpoints): string[] | undefined {
  return endpoints.extraCa ? [...rootCertificates, endpoints.extraCa] : undefined;
}

function pick(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function parseApiUrl(value: string): string {
  const apiUrl = value.replace(/\/+$/, '');
  if (!/^https:\/\//i.test(apiUrl)) throw new EndpointConfigError(`REST URL must start with https:// (got "${apiUrl}")`, 'apiUrl');
  if (/\s/.test(apiUrl) || !URL.canParse(apiUrl)) throw new EndpointConfigError(`REST URL is not a valid https:// URL (got "${apiUrl}")`, 'apiUrl');
  return apiUrl;
}

/** A DNS name (letters, digits, hyphens; dot-separated labels) or an IPv4 address. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * `host` or `host:port`; a leading `wss://` and a path (as copied from a URL) are tolerated and ignored. Anything else
 * (spaces, a user part, a query) is refused here with a clear message: further down it would only fail inside the
 * WebSocket library, whose error quotes the whole presigned URL.
 */
function parseHostPort(value: string | undefined): { host: string; port: number } {
  if (!value) return { host: DEFAULT_IOT_HOST, port: DEFAULT_IOT_PORT };
  const refuse = () => new EndpointConfigError(`IoT endpoint must be a host name or host:port, e.g. ${DEFAULT_IOT_HOST} or localhost:8883 (got "${value}")`, 'iotEndpoint');
  if (/\s/.test(value)) throw refuse();
  const cleaned = value.replace(/^wss:\/\//i, '').replace(/\/.*$/, '');
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(cleaned);
  if (!match || !HOST_NAME.test(match[1])) throw refuse();
  const port = match[2] ? Number(match[2]) : DEFAULT_IOT_PORT;
  if (port < 1 || port > 65535) throw new EndpointConfigError(`IoT endpoint port must be 1-65535 (got ${port})`, 'iotEndpoint');
  return { host: match[1], port };
}

// Verification of AWS SigV4 presigned WebSocket URLs, as AWS IoT does on the `/mqtt` upgrade
// (docs/protocol.md#presigned-url).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** SigV4 URI encoding: every byte except A-Z a-z 0-9 - _ . ~ is percent-encoded. */
export function sigv4Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function signingKey(secretKey: string, dateStamp: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', 'AWS4' + secretKey).update(dateStamp).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export interface PresignedQuery {
  accessKeyId: string;
  dateStamp: string;
  region: string;
  service: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  securityToken?: string;
  expiresSeconds?: number;
  /** Decoded parameters in arrival order (duplicates kept). */
  params: Array<[string, string]>;
}

/** Parses the presign parameters from a raw query string; returns a reason string when malformed. */
export function parsePresignedQuery(rawQuery: string): PresignedQuery | string {
  const params: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawVal = eq < 0 ? '' : part.slice(eq + 1);
    try {
      params.push([decodeURIComponent(rawKey), decodeURIComponent(rawVal)]);
    } catch {
      return 'query is not valid percent-encoding';
    }
  }
  const get = (name: string): string | undefined => params.find(([k]) => k === name)?.[1];
  if (get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) return 'missing or unsupported X-Amz-Algorithm';
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (!credential || !amzDate || !signedHeaders || !signature) return 'incomplete presigned query';
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') return 'malformed X-Amz-Credential';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== scope[1]) return 'X-Amz-Date does not match the scope';
  const expires = get('X-Amz-Expires');
  return {
    accessKeyId: scope[0],
    dateStamp: scope[1],
    region: scope[2],
    service: scope[3],
    amzDate,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean),
    signature: signature.toLowerCase(),
    securityToken: get('X-Amz-Security-Token'),
    expiresSeconds: expires === undefined ? undefined : Number(expires),
    params,
  };
}

export function amzDateToMs(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function canonicalQuery(params: Array<[string, string]>, includeToken: boolean): string {
  return params
    .filter(([k]) => k !== 'X-Amz-Signature' && (includeToken || k !== 'X-Amz-Security-Token'))
    .map(([k, v]) => [sigv4Encode(k), sigv4Encode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ');
}

/**
 * Checks the signature of a presigned upgrade request against `secretKey`.
 * Accepts both the token-excluded canonical query (AWS IoT's rule, used by the AWS CRT and
 * docs/protocol.md#presigned-url) and the token-included one. For `host`, a value with a port is also tried without it:
 * on the real endpoint the port is the implicit 443, so clients following docs/protocol.md#presigned-url sign the bare
 * host while a local test server needs an explicit port.
 */
export function verifyPresignedSignature(
  q: PresignedQuery,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  secretKey: string,
): boolean {
  const headerSets: Array<Array<[string, string]>> = [[]];
  for (const name of [...q.signedHeaders].sort()) {
    const value = headerValue(headers, name);
    if (value === undefined) return false;
    const alternatives = [value];
    if (name === 'host') {
      const bare = value.replace(/:\d+$/, '');
      if (bare !== value) alternatives.push(bare);
    }
    const next: Array<Array<[string, string]>> = [];
    for (const set of headerSets) for (const alt of alternatives) next.push([...set, [name, alt]]);
    headerSets.splice(0, headerSets.length, ...next);
  }
  const key = signingKey(secretKey, q.dateStamp, q.region, q.service);
  const scope = `${q.dateStamp}/${q.region}/${q.service}/aws4_request`;
  const given = Buffer.from(q.signature, 'utf8');
  for (const includeToken of [false, true]) {
    const query = canonicalQuery(q.params, includeToken);
    for (const set of headerSets) {
      const canonicalHeaders = set.map(([k, v]) => `${k}:${v}\n`).join('');
      const canonicalRequest = [method, path, query, canonicalHeaders, q.signedHeaders.slice().sort().join(';'), EMPTY_SHA256].join('\n');
      const stringToSign = [SIGV4_ALGORITHM, q.amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
      const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'), 'utf8');
      if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
    }
  }
  return false;
}

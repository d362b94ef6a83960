import { Agent } from 'node:https';
import { SecureContext, createSecureContext } from 'node:tls';
import { Endpoints, trustedCas } from './endpoints';

/**
 * The TLS trust of an extra CA file (the system roots plus that CA), built once per process and shared by every
 * connection that trusts the same CA: REST calls, the JS MQTT transport and (through aws-sdk-transport.ts) the native
 * one. Building it parses ~145 root certificates; doing that for every connect cost 13-15 ms per MQTT connect and left
 * about 1 MB of native memory behind each time (BENCHMARKS.md, "connects with a CA file"). Verification is unchanged:
 * the same certificates are trusted, only parsed once.
 */
export class TrustStore {
  private context: SecureContext | undefined;
  private agent: Agent | undefined;
  private joined: string | undefined;

  constructor(readonly pems: readonly string[]) {}

  /** The trust store as one PEM bundle (~200 kB), for the native SDK. */
  get bundle(): string {
    this.joined ??= this.pems.join('\n');
    return this.joined;
  }

  /** For tls.connect / ws (`secureContext`): the roots and the extra CA, parsed once. */
  get secureContext(): SecureContext {
    this.context ??= createSecureContext({ ca: [...this.pems] });
    return this.context;
  }

  /** A keep-alive HTTPS agent that verifies against this store, for the REST client. */
  get httpsAgent(): Agent {
    this.agent ??= new Agent({ keepAlive: true, secureContext: this.secureContext });
    return this.agent;
  }
}

/** A handful of distinct CA files at most in one process; the oldest is forgotten beyond that (never closed: a live client may still use it). */
const MAX_STORES = 8;
const stores = new Map<string, TrustStore>();

/** The shared trust store of the endpoints' extra CA, or undefined when only the system roots are trusted (the real cloud). */
export function trustStoreFor(endpoints: Endpoints): TrustStore | undefined {
  const key = endpoints.extraCa;
  if (key === undefined) return undefined;
  let store = stores.get(key);
  if (!store) {
    store = new TrustStore(trustedCas(endpoints) ?? []);
    stores.set(key, store);
    if (stores.size > MAX_STORES) stores.delete(stores.keys().next().value as string);
  }
  return store;
}

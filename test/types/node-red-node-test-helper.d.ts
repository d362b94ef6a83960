// node-red-node-test-helper ships no types; this is the part of its API our tests use.
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';

  /** The supertest request chain, as far as we use it (supertest's types are not installed). */
  interface AdminRequest extends PromiseLike<{ status: number; body: any }> {
    send(body: unknown): AdminRequest;
    set(header: string, value: string): AdminRequest;
    expect(status: number): AdminRequest;
  }

  interface NodeTestHelper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    load(nodes: unknown | unknown[], flow: Array<Record<string, unknown>>, credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    startServer(done: () => void): void;
    stopServer(done: () => void): void;
    getNode(id: string): Node | null;
    request(): { get(path: string): AdminRequest; post(path: string): AdminRequest };
  }
  const helper: NodeTestHelper;
  export = helper;
}

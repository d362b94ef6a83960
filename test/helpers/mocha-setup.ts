// Root hooks for every test file in the run (loaded through .mocharc.json "require").

/**
 * node-red-node-test-helper is one shared instance for the whole mocha run, and its stopServer()
 * keeps a reference to the server it closed: the next file's stopServer() then fails with
 * ERR_SERVER_NOT_RUNNING. Forget a closed server after each test so files stay independent.
 */
export const mochaHooks = {
  afterEach(): void {
    const cached = require.cache[require.resolve('node-red-node-test-helper')];
    const helper = cached?.exports as { _server?: { listening?: boolean } } | undefined;
    if (helper?._server && !helper._server.listening) helper._server = undefined;
  },
};

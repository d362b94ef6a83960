import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { REPORT_INTERVAL } from '../shared/connection/diagnostics';
import { intervalSeconds } from '../shared/seconds';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { connectionStatus } from './common/node-status';

interface DiagnosticsConfig extends NodeDef {
  account: string;
  interval?: string | number;
}

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienDiagnosticsNode(this: Node, config: DiagnosticsConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    if (!account) {
      node.status({ fill: 'red', shape: 'ring', text: t('navien-diagnostics.status.missing-account') });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        node.error(t('navien-diagnostics.status.missing-account'), msg);
        done();
      });
      return;
    }
    const metrics = () => account.connection?.diagnostics.metrics();
    const emit = (event: string, extra: Record<string, unknown> = {}) => {
      const payload = metrics();
      if (payload) node.send({ topic: `navien/diagnostics/${event}`, payload: { ...payload, ...extra } });
    };

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        node.status(connectionStatus(state, t, 'navien-diagnostics'));
      },
      onDrop(drop) {
        emit('dropped', { event: drop });
      },
      onReconnected(record) {
        emit('reconnected', { event: record });
      },
    };
    account.register(user);
    const interval = intervalSeconds(config.interval, REPORT_INTERVAL);
    const timer = interval > 0 ? setInterval(() => emit('report'), interval * 1000) : undefined;

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const diagnostics = account.connection?.diagnostics;
      if (!diagnostics) {
        // Only between a redeploy's close and the next start; say so rather than swallow the request.
        node.error(connectionStatus(account.state, t, 'navien-diagnostics').text, msg);
        done();
        return;
      }
      const command = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : '';
      if (command === 'export') {
        send(Object.assign(msg, { topic: 'navien/diagnostics/export', payload: diagnostics.export() }));
      } else {
        if (command === 'reset') diagnostics.reset();
        send(Object.assign(msg, { topic: 'navien/diagnostics/report', payload: diagnostics.metrics() }));
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-diagnostics', NavienDiagnosticsNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};

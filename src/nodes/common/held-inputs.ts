import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import type { QueueLimits } from '../../shared/connection/command-queue';
import { HELD_INPUT_LIMITS, HeldInputs } from '../../shared/held-inputs';
import type { Translate } from './node-status';

/** What every held input carries: its message (for the error) and its done (called exactly once). */
export interface HeldInput {
  msg: NodeMessageInFlow;
  done: (err?: Error) => void;
}

/** Tests shorten the limits through the runtime settings (`navienHeldInputs`), as `navienControlTiming` does for the runner. */
function heldLimits(RED: NodeAPI): QueueLimits {
  const custom = (RED.settings as unknown as Record<string, unknown>).navienHeldInputs;
  return typeof custom === 'object' && custom !== null ? { ...HELD_INPUT_LIMITS, ...(custom as Partial<QueueLimits>) } : HELD_INPUT_LIMITS;
}

/**
 * The inputs a node holds until its account is ready. A dropped one gets `<type>.errors.held-full` or `held-expired`
 * as node.error(text, msg), so a Catch node sees it, plus a red status, and is finished.
 */
export function heldInputs<T extends HeldInput>(RED: NodeAPI, node: Node, t: Translate, type: string, paceMs: number): HeldInputs<T> {
  const limits = heldLimits(RED);
  return new HeldInputs<T>({
    limits,
    paceMs,
    onDropped(input, reason) {
      const text = reason === 'full'
        ? t(`${type}.errors.held-full`, { max: limits.maxItems })
        : t(`${type}.errors.held-expired`, { seconds: limits.maxAgeMs / 1000 });
      node.status({ fill: 'red', shape: 'ring', text });
      node.error(text, input.msg);
      input.done();
    },
  });
}

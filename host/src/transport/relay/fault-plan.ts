// What the relay does to traffic: rates are per frame (or per byte for
// corruption), cuts are windows of time. Deterministic given the seed.
import { RtinferError } from '../../errors.js';

export interface LinkCut {
  /** From the relay's start. */
  atMs: number;
  forMs: number;
}

export interface FaultPlan {
  seed: number;
  /** Probability that any byte has one bit flipped. */
  corruptByteRate?: number;
  dropFrameRate?: number;
  duplicateFrameRate?: number;
  /** Probability that a frame is held back and sent after the next one. */
  reorderFrameRate?: number;
  /** Added to every frame, each way. */
  delayMs?: number;
  cuts?: LinkCut[];
}

const RATES = ['corruptByteRate', 'dropFrameRate', 'duplicateFrameRate', 'reorderFrameRate'] as const;

/** MQTT runs over TCP, which neither corrupts nor loses bytes: only duplicates, reordering, delays and cuts are real there. */
export function checkMqttFaultPlan(plan: FaultPlan): FaultPlan {
  for (const name of ['corruptByteRate', 'dropFrameRate'] as const) {
    if (plan[name]) {
      throw new RtinferError('bad_fault_plan', `${name} does not apply to MQTT: TCP delivers every byte; use duplicates, reordering, delay or cuts`, { field: name });
    }
  }
  return checkFaultPlan(plan);
}

export function checkFaultPlan(plan: FaultPlan): FaultPlan {
  for (const name of RATES) {
    const rate = plan[name];
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
      throw new RtinferError('bad_fault_plan', `${name} must be a probability in [0, 1], got ${rate}`, { field: name, value: rate });
    }
  }
  if (plan.delayMs !== undefined && !(plan.delayMs >= 0)) {
    throw new RtinferError('bad_fault_plan', `delayMs must be ≥ 0, got ${plan.delayMs}`, { field: 'delayMs', value: plan.delayMs });
  }
  for (const [index, cut] of (plan.cuts ?? []).entries()) {
    if (!(cut.atMs >= 0 && cut.forMs > 0)) {
      throw new RtinferError('bad_fault_plan', `cut ${index} needs atMs ≥ 0 and forMs > 0`, { field: `cuts[${index}]` });
    }
  }
  if (!Number.isInteger(plan.seed)) throw new RtinferError('bad_fault_plan', `seed must be an integer, got ${plan.seed}`, { field: 'seed' });
  return plan;
}

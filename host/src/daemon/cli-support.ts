// What the commands that talk to daemons share: the --lab/--bench/--broker
// flags and how they become a broker to connect to.
import { Flags } from '@oclif/core';
import { RtinferError } from '../errors.js';
import { benchBroker, type BrokerAccess, brokerAccess } from '../lab/broker-access.js';
import { loadLab } from '../lab/find-lab.js';
import type { LabConfig } from '../lab/lab-config.js';

export const labFlag = Flags.string({
  summary: 'Lab config (YAML); default: $RTINFER_LAB, else ./rtinfer.lab.yaml upward, else ~/.config/rtinfer/lab.yaml.',
});

export const benchFlag = (summary = 'Talk to this bench\'s daemon over MQTT instead of a local port.') => Flags.string({ summary, env: 'RTINFER_BENCH' });

export const brokerFlag = Flags.string({
  summary: 'MQTT broker of the benches (mqtt://host:port); default: the lab config\'s broker for the bench.',
  env: 'RTINFER_BROKER',
});

/**
 * The broker to reach `bench` through: --broker (with the credentials the lab
 * config gives that URL, if any), else the bench's broker in the lab config.
 */
export function resolveBroker(flags: { lab?: string; broker?: string }, bench: string | undefined, env: NodeJS.ProcessEnv = process.env): { access: BrokerAccess; lab?: LabConfig } {
  // A lab config is needed only without --broker; with it, one is used for its credentials if present.
  const lab = flags.broker !== undefined && flags.lab === undefined ? tryLoadLab(env) : loadLab({ ...(flags.lab !== undefined ? { flag: flags.lab } : {}), env });
  if (flags.broker !== undefined) {
    const url = flags.broker.replace(/\/$/, '');
    const known = lab ? [...lab.brokers.values()].find((broker) => broker.url === url) : undefined;
    return { access: lab && known ? brokerAccess(lab, known, env) : { url }, ...(lab ? { lab } : {}) };
  }
  const broker = lab ? benchBroker(lab, bench) : undefined;
  if (!lab || !broker) {
    throw new RtinferError(
      'no_broker',
      lab ? `the lab config ${lab.file} names no broker for bench "${bench ?? '(any)'}": add brokers and defaults.broker, or give --broker` : 'no broker: give --broker mqtt://host:port, or a lab config (--lab, $RTINFER_LAB, ./rtinfer.lab.yaml)',
      { bench, lab: lab?.file },
    );
  }
  return { access: brokerAccess(lab, broker, env), lab };
}

function tryLoadLab(env: NodeJS.ProcessEnv): LabConfig | undefined {
  try {
    return loadLab({ env });
  } catch {
    return undefined;
  }
}

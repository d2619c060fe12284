// How to reach a bench's broker: its URL from the lab config, its credentials
// from the environment variables the config names (never from the file).
import type { LabBroker, LabConfig } from './lab-config.js';
import { LabConfigError } from './lab-error.js';

export interface BrokerAccess {
  url: string;
  username?: string;
  password?: string;
}

/** The broker a bench uses: its own, else defaults.broker, else the only one. */
export function benchBroker(lab: LabConfig, bench: string | undefined): LabBroker | undefined {
  const named = (bench !== undefined ? lab.benches.get(bench)?.broker : undefined) ?? lab.defaults.broker;
  if (named !== undefined) return lab.brokers.get(named);
  return lab.brokers.size === 1 ? [...lab.brokers.values()][0] : undefined;
}

export function brokerAccess(lab: LabConfig, broker: LabBroker, env: NodeJS.ProcessEnv = process.env): BrokerAccess {
  const access: BrokerAccess = { url: broker.url };
  const fromEnv = (key: 'usernameEnv' | 'passwordEnv'): string | undefined => {
    const variable = broker[key];
    if (variable === undefined) return undefined;
    const value = env[variable];
    if (value === undefined || value === '') {
      const path = `brokers.${broker.name}.${key}`;
      throw new LabConfigError('missing_env', `environment variable ${variable} is not set (it holds the ${key === 'passwordEnv' ? 'password' : 'user name'} for ${broker.url})`, lab.file, path, lab.positionOf(path));
    }
    return value;
  };
  const username = broker.username ?? fromEnv('usernameEnv');
  const password = fromEnv('passwordEnv');
  if (username !== undefined) access.username = username;
  if (password !== undefined) access.password = password;
  return access;
}

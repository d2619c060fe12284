// The daemon's public surface (the library exports this; internals stay internal).
export { Backoff } from './backoff.js';
export { benchTopics } from './bench-topics.js';
export type { BenchInfo, DeviceRow, DeviceTable, RpcReply, RpcRequest } from './rpc-messages.js';
export * from './daemon-errors.js';
export { connectBroker, type ConnectOptions } from './broker-connect.js';
export { type DeviceEndpoint, endpointFor } from './device-endpoint.js';
export { ManagedDevice, type ManagedDeviceOptions } from './managed-device.js';
export { BenchDaemon, type BenchDaemonOptions } from './bench-daemon.js';
export { BenchClient, type CallOptions, type SeenBench } from './bench-client.js';
export { benchRunTarget } from './bench-run-target.js';
export type { RunResult } from './rpc-run.js';
export { type SimBench, startSimBench } from './sim-bench.js';

// The rtinfer library: what the CLI, the daemon and the HIL tests share.
export * from './errors.js';
export * from './transport/transport.js';
export * from './transport/serial-transport.js';
export * from './device/session.js';
export * from './device/ping.js';
export * from './device/ping-report.js';
export * from './device/clock-estimate.js';
export * from './device/resolve-device.js';
export * from './device/open-session.js';
export * from './sim/posix-sim.js';
export * from './sim/sim-registry.js';
export * from './sim/sim-binary.js';
export * from './transfer/transfer-window.js';
export * from './transfer/rtt-estimator.js';
export * from './transfer/push-model.js';

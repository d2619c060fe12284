// Sealing .rtm containers for a TEE (protocol/CONTAINER.md §7).
export * from './seal-errors.js';
export * from './raw-keys.js';
export * from './sealed-header.js';
export * from './segments.js';
export * from './content-key.js';
export * from './seal.js';
export * from './sealed-stream.js';
export * from './unseal.js';

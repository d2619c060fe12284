// The lab config's public surface.
export type { LabBench, LabBroker, LabConfig, LabDefaults, LabDevice, LabDeviceSource, UsbMatch } from './lab-config.js';
export { LabConfigError, type LabErrorReason, type LabPosition } from './lab-error.js';
export { parseLab } from './parse-lab.js';
export { findLabFile, LAB_FILE_NAME, loadLab, loadLabFile } from './find-lab.js';
export { benchBroker, type BrokerAccess, brokerAccess } from './broker-access.js';
export type { LabTee, LabTeeDevice } from './lab-config.js';
export { labFileForPins, loadLabForPins, writeTeeGeneration, writeTeeKeyPin } from './tee-pins.js';

// Layer shapes of the three DNNs the DeepTrust^RT evaluation used, as rtinfer reconstructs them.
// AlexNet-squeezed: AlexNet's topology with narrower layers (our reconstruction; the paper gives no shapes).
// Tiny Darknet: darknet's cfg/tiny.cfg (22 layers). YOLOv3-tiny: darknet's cfg/yolov3-tiny.cfg, with the
// route/upsample/yolo bookkeeping layers as small opaque layers.
import type { LayerFootprint } from './memory-model.js';
import type { LayerShape } from './task-model.js';

export interface ZooLayer {
  name: string;
  shape?: LayerShape;
  /** For opaque layers (no shape): their working set (float32 values) and operation count. */
  opaqueFootprint?: LayerFootprint;
  opaqueOperations?: number;
}

const conv = (name: string, inChannels: number, size: number, outChannels: number, kernel: number, stride = 1, padding = Math.floor(kernel / 2)): ZooLayer => ({
  name,
  shape: { kind: 'conv', inChannels, inHeight: size, inWidth: size, outChannels, kernel, stride, padding },
});
const pool = (name: string, channels: number, size: number, kernel = 2, stride = 2): ZooLayer => ({
  name,
  shape: { kind: 'pool', channels, inHeight: size, inWidth: size, kernel, stride },
});
const fc = (name: string, inputs: number, outputs: number): ZooLayer => ({ name, shape: { kind: 'fc', inputs, outputs } });
const opaque = (name: string, values: number): ZooLayer => ({ name, opaqueFootprint: { weights: 0, input: values, output: values, scratch: 0 }, opaqueOperations: values });

const alexnetSqueezed: ZooLayer[] = [
  conv('conv1', 3, 227, 48, 11, 4, 0),
  pool('pool1', 48, 55, 3, 2),
  conv('conv2', 48, 27, 64, 5),
  pool('pool2', 64, 27, 3, 2),
  conv('conv3', 64, 13, 96, 3),
  conv('conv4', 96, 13, 96, 3),
  conv('conv5', 96, 13, 64, 3),
  pool('pool5', 64, 13, 3, 2),
  fc('fc6', 64 * 6 * 6, 1024),
  fc('fc7', 1024, 1024),
  fc('fc8', 1024, 1000),
];

const tinyDarknet: ZooLayer[] = [
  conv('conv1', 3, 224, 16, 3),
  pool('max2', 16, 224),
  conv('conv3', 16, 112, 32, 3),
  pool('max4', 32, 112),
  conv('conv5', 32, 56, 16, 1),
  conv('conv6', 16, 56, 128, 3),
  conv('conv7', 128, 56, 16, 1),
  conv('conv8', 16, 56, 128, 3),
  pool('max9', 128, 56),
  conv('conv10', 128, 28, 32, 1),
  conv('conv11', 32, 28, 256, 3),
  conv('conv12', 256, 28, 32, 1),
  conv('conv13', 32, 28, 256, 3),
  pool('max14', 256, 28),
  conv('conv15', 256, 14, 64, 1),
  conv('conv16', 64, 14, 512, 3),
  conv('conv17', 512, 14, 64, 1),
  conv('conv18', 64, 14, 512, 3),
  conv('conv19', 512, 14, 128, 1),
  conv('conv20', 128, 14, 1000, 1),
  pool('avg21', 1000, 14, 14, 14),
  opaque('softmax22', 1000),
];

const yolov3Tiny: ZooLayer[] = [
  conv('conv0', 3, 416, 16, 3),
  pool('max1', 16, 416),
  conv('conv2', 16, 208, 32, 3),
  pool('max3', 32, 208),
  conv('conv4', 32, 104, 64, 3),
  pool('max5', 64, 104),
  conv('conv6', 64, 52, 128, 3),
  pool('max7', 128, 52),
  conv('conv8', 128, 26, 256, 3),
  pool('max9', 256, 26),
  conv('conv10', 256, 13, 512, 3),
  pool('max11', 512, 14, 2, 1),
  conv('conv12', 512, 13, 1024, 3),
  conv('conv13', 1024, 13, 256, 1),
  conv('conv14', 256, 13, 512, 3),
  conv('conv15', 512, 13, 255, 1),
  opaque('yolo16', 255 * 13 * 13),
  opaque('route17', 256 * 13 * 13),
  conv('conv18', 256, 13, 128, 1),
  opaque('upsample19', 128 * 26 * 26),
  opaque('route20', 384 * 26 * 26),
  conv('conv21', 384, 26, 256, 3),
  conv('conv22', 256, 26, 255, 1),
  opaque('yolo23', 255 * 26 * 26),
];

export const zooNetworks = { 'alexnet-squeezed': alexnetSqueezed, 'tiny-darknet': tinyDarknet, 'yolov3-tiny': yolov3Tiny } as const;
export type ZooNetworkName = keyof typeof zooNetworks;
export const zooNetworkNames = Object.keys(zooNetworks) as ZooNetworkName[];

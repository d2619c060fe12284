// The reference architectures, layer for layer. The paper networks (LeNet-300-100, LeNet-5, AlexNet, VGG-16)
// follow the Caffe definitions Deep Compression used; Tiny Darknet and YOLOv3-tiny follow darknet's tiny.cfg and
// yolov3-tiny.cfg; the CIFAR-10 networks follow the sources named beside them.
import type { Graph, Pads } from '../ir.js';
import { ZooBuilder } from './builder.js';
import { deeptrustAlexnetSqueezed } from './sched-networks.js';

/** Darknet pads a max pool by size−1 in total, the extra cell at the bottom and right. */
const darknetPoolPads = (size: number): Pads => {
  const before = Math.floor((size - 1) / 2);
  return [before, before, size - 1 - before, size - 1 - before];
};

function lenet300100(seed: number): Graph {
  return new ZooBuilder('lenet-300-100', [1, 28, 28], seed)
    .simple('flatten', 'flatten', 'input')
    .dense('ip1', 300).relu()
    .dense('ip2', 100).relu()
    .dense('ip3', 10)
    .simple('softmax', 'prob')
    .build();
}

function lenet5(seed: number): Graph {
  return new ZooBuilder('lenet-5', [1, 28, 28], seed)
    .conv('conv1', 20, 5)
    .pool('maxPool', 'pool1', 2)
    .conv('conv2', 50, 5)
    .pool('maxPool', 'pool2', 2)
    .dense('ip1', 500).relu()
    .dense('ip2', 10)
    .simple('softmax', 'prob')
    .build();
}

/** LeCun et al. 1998's layer sizes (6 and 16 feature maps, 120-84-10), with max pooling and ReLU: small
 * enough for an STM32F405's 128 KiB SRAM, so the QEMU board runs it densely and with TREC. */
function lenet5Classic(seed: number): Graph {
  return new ZooBuilder('lenet-5-classic', [1, 28, 28], seed)
    .conv('conv1', 6, 5).relu()
    .pool('maxPool', 'pool1', 2)
    .conv('conv2', 16, 5).relu()
    .pool('maxPool', 'pool2', 2)
    .dense('fc1', 120).relu()
    .dense('fc2', 84).relu()
    .dense('fc3', 10)
    .simple('softmax', 'prob')
    .build();
}

/** Caffe's cifar10_quick. */
function cifarnet(seed: number): Graph {
  return new ZooBuilder('cifarnet', [3, 32, 32], seed)
    .conv('conv1', 32, 5, { pad: 2 })
    .pool('maxPool', 'pool1', 3, { stride: 2, ceilMode: true }).relu()
    .conv('conv2', 32, 5, { pad: 2 }).relu()
    .pool('avgPool', 'pool2', 3, { stride: 2, ceilMode: true })
    .conv('conv3', 64, 5, { pad: 2 }).relu()
    .pool('avgPool', 'pool3', 3, { stride: 2, ceilMode: true })
    .dense('ip1', 64)
    .dense('ip2', 10)
    .simple('softmax', 'prob')
    .build();
}

/** ZFNet's five conv + three fc layout, with 5×5/stride-1 first layers and a 10-way head for 32×32 CIFAR-10 input. */
function zfnetCifar(seed: number): Graph {
  return new ZooBuilder('zfnet-cifar', [3, 32, 32], seed)
    .conv('conv1', 96, 5, { pad: 2 }).relu()
    .pool('maxPool', 'pool1', 3, { stride: 2, ceilMode: true })
    .conv('conv2', 256, 5, { pad: 2 }).relu()
    .pool('maxPool', 'pool2', 3, { stride: 2, ceilMode: true })
    .conv('conv3', 384, 3, { pad: 1 }).relu()
    .conv('conv4', 384, 3, { pad: 1 }).relu()
    .conv('conv5', 256, 3, { pad: 1 }).relu()
    .pool('maxPool', 'pool5', 3, { stride: 2, ceilMode: true })
    .dense('fc6', 512).relu()
    .dense('fc7', 512).relu()
    .dense('fc8', 10)
    .simple('softmax', 'prob')
    .build();
}

/** A SqueezeNet fire module: 1×1 squeeze, then 1×1 and 3×3 expands concatenated. */
function fire(builder: ZooBuilder, name: string, squeeze: number, expand: number): ZooBuilder {
  builder.conv(`${name}_squeeze1x1`, squeeze, 1).relu();
  const squeezed = builder.last;
  builder.conv(`${name}_expand1x1`, expand, 1, { from: squeezed }).relu();
  const left = builder.last;
  builder.conv(`${name}_expand3x3`, expand, 3, { from: squeezed, pad: 1 }).relu();
  return builder.join('concat', `${name}_concat`, [left, builder.last]);
}

/** SqueezeNet v1.0's fire stack with a 3×3 stem and 2×2 pools for 32×32 CIFAR-10 input. */
function squeezenetCifar(seed: number): Graph {
  const b = new ZooBuilder('squeezenet-cifar', [3, 32, 32], seed).conv('conv1', 96, 3, { pad: 1 }).relu().pool('maxPool', 'pool1', 2);
  fire(b, 'fire2', 16, 64);
  fire(b, 'fire3', 16, 64);
  fire(b, 'fire4', 32, 128);
  b.pool('maxPool', 'pool4', 2);
  fire(b, 'fire5', 32, 128);
  fire(b, 'fire6', 48, 192);
  fire(b, 'fire7', 48, 192);
  fire(b, 'fire8', 64, 256);
  b.pool('maxPool', 'pool8', 2);
  fire(b, 'fire9', 64, 256);
  return b.conv('conv10', 10, 1).relu().simple('globalAvgPool', 'pool10').simple('flatten', 'flatten').simple('softmax', 'prob').build();
}

/** AlexNet's two large-kernel stages followed by fire modules instead of conv3–5 and the fc layers, for CIFAR-10. */
function alexnetSqueezed(seed: number): Graph {
  const b = new ZooBuilder('alexnet-squeezed', [3, 32, 32], seed)
    .conv('conv1', 64, 5, { pad: 2 }).relu()
    .pool('maxPool', 'pool1', 3, { stride: 2, ceilMode: true })
    .conv('conv2', 128, 5, { pad: 2 }).relu()
    .pool('maxPool', 'pool2', 3, { stride: 2, ceilMode: true });
  fire(b, 'fire3', 32, 128);
  fire(b, 'fire4', 32, 128);
  fire(b, 'fire5', 48, 192);
  b.pool('maxPool', 'pool5', 3, { stride: 2, ceilMode: true });
  return b.conv('conv6', 10, 1).simple('globalAvgPool', 'pool6').simple('flatten', 'flatten').simple('softmax', 'prob').build();
}

/** darknet's cfg/tiny.cfg (batch norm already folded into the convolutions). */
function tinyDarknet(seed: number): Graph {
  const b = new ZooBuilder('tiny-darknet', [3, 224, 224], seed);
  let index = 0;
  const conv = (filters: number, size: number, activation: 'leaky' | 'linear' = 'leaky') => {
    b.conv(`conv${index++}`, filters, size, { pad: Math.floor(size / 2) });
    if (activation === 'leaky') b.leakyRelu();
  };
  const pool = () => b.pool('maxPool', `pool${index++}`, 2, { stride: 2, pad: darknetPoolPads(2) });
  conv(16, 3); pool();
  conv(32, 3); pool();
  conv(16, 1); conv(128, 3); conv(16, 1); conv(128, 3); pool();
  conv(32, 1); conv(256, 3); conv(32, 1); conv(256, 3); pool();
  conv(64, 1); conv(512, 3); conv(64, 1); conv(512, 3); conv(128, 1);
  conv(1000, 1, 'linear');
  return b.simple('globalAvgPool', `avgpool${index++}`).simple('flatten', 'flatten').simple('softmax', 'prob').build();
}

/** darknet's cfg/yolov3-tiny.cfg at 416×416; the two outputs are the raw 255-channel detection maps. */
function yolov3Tiny(seed: number): Graph {
  const b = new ZooBuilder('yolov3-tiny', [3, 416, 416], seed);
  let index = 0;
  const conv = (filters: number, size: number, activation: 'leaky' | 'linear' = 'leaky') => {
    b.conv(`conv${index++}`, filters, size, { pad: Math.floor(size / 2) });
    if (activation === 'leaky') b.leakyRelu();
    return b.last;
  };
  const pool = (stride: number) => b.pool('maxPool', `pool${index++}`, 2, { stride, pad: darknetPoolPads(2) });
  conv(16, 3); pool(2);
  conv(32, 3); pool(2);
  conv(64, 3); pool(2);
  conv(128, 3); pool(2);
  const route8 = conv(256, 3); pool(2);
  conv(512, 3); pool(1);
  conv(1024, 3);
  const route13 = conv(256, 1);
  conv(512, 3);
  const detect1 = conv(255, 1, 'linear');
  index++; // [yolo]
  index++; // [route] layers=-4
  b.conv(`conv${index++}`, 128, 1, { from: route13, pad: 0 }).leakyRelu();
  b.upsample(`upsample${index++}`, 2);
  b.join('concat', `route${index++}`, [b.last, route8]);
  conv(256, 3);
  const detect2 = conv(255, 1, 'linear');
  return b.build([detect1, detect2]);
}

/** Caffe's bvlc_alexnet (227×227, grouped conv2/4/5; the LRN layers are left out). */
function alexnet(seed: number): Graph {
  return new ZooBuilder('alexnet', [3, 227, 227], seed)
    .conv('conv1', 96, 11, { stride: 4 }).relu()
    .pool('maxPool', 'pool1', 3, { stride: 2 })
    .conv('conv2', 256, 5, { pad: 2, groups: 2 }).relu()
    .pool('maxPool', 'pool2', 3, { stride: 2 })
    .conv('conv3', 384, 3, { pad: 1 }).relu()
    .conv('conv4', 384, 3, { pad: 1, groups: 2 }).relu()
    .conv('conv5', 256, 3, { pad: 1, groups: 2 }).relu()
    .pool('maxPool', 'pool5', 3, { stride: 2 })
    .dense('fc6', 4096).relu()
    .dense('fc7', 4096).relu()
    .dense('fc8', 1000)
    .simple('softmax', 'prob')
    .build();
}

/** VGG-16 (configuration D), 224×224. */
function vgg16(seed: number): Graph {
  const b = new ZooBuilder('vgg-16', [3, 224, 224], seed);
  const stages: Array<[number, number]> = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  stages.forEach(([channels, convs], stage) => {
    for (let i = 1; i <= convs; i++) b.conv(`conv${stage + 1}_${i}`, channels, 3, { pad: 1 }).relu();
    b.pool('maxPool', `pool${stage + 1}`, 2);
  });
  return b.dense('fc6', 4096).relu().dense('fc7', 4096).relu().dense('fc8', 1000).simple('softmax', 'prob').build();
}

export const zooNetworks = {
  'lenet-300-100': lenet300100,
  'lenet-5': lenet5,
  'lenet-5-classic': lenet5Classic,
  cifarnet,
  'zfnet-cifar': zfnetCifar,
  'squeezenet-cifar': squeezenetCifar,
  'alexnet-squeezed': alexnetSqueezed,
  'tiny-darknet': tinyDarknet,
  'yolov3-tiny': yolov3Tiny,
  alexnet,
  'vgg-16': vgg16,
  // The scheduler's AlexNet-squeezed (sched/zoo-shapes.ts), runnable: not the CIFAR-10 'alexnet-squeezed' above.
  'deeptrust-alexnet-squeezed': deeptrustAlexnetSqueezed,
} as const satisfies Record<string, (seed: number) => Graph>;

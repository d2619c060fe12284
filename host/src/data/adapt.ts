// Fits a dataset's samples to a model's input: zero padding to its height and width (centred), and a single grey
// channel repeated to its channels. How the zoo's CifarNet- and SqueezeNet-shaped networks (3 × 32 × 32) read
// Fashion-MNIST (1 × 28 × 28). Only on request: a silent reshape would hide a wrong model or a wrong dataset.
import { elementCount } from '../model/ir.js';
import type { Dataset } from './dataset.js';
import { InputShapeError } from './errors.js';

export function padToInput(dataset: Dataset, shape: number[], model: string): Dataset {
  const [channels = 0, height = 0, width = 0] = shape;
  const [inChannels = 0, inHeight = 0, inWidth = 0] = dataset.shape;
  const fits = shape.length === 3 && dataset.shape.length === 3 && height >= inHeight && width >= inWidth && (inChannels === channels || inChannels === 1);
  if (!fits) throw new InputShapeError(model, shape, dataset.name, dataset.shape);
  if (channels === inChannels && height === inHeight && width === inWidth) return dataset;
  const top = Math.floor((height - inHeight) / 2);
  const left = Math.floor((width - inWidth) / 2);
  const size = elementCount(shape);
  const inSize = elementCount(dataset.shape);
  const samples = new Float32Array(dataset.count * size);
  for (let n = 0; n < dataset.count; n++) {
    for (let c = 0; c < channels; c++) {
      const from = n * inSize + (inChannels === 1 ? 0 : c) * inHeight * inWidth;
      for (let y = 0; y < inHeight; y++) {
        const to = n * size + (c * height + y + top) * width + left;
        samples.set(dataset.samples.subarray(from + y * inWidth, from + (y + 1) * inWidth), to);
      }
    }
  }
  return { ...dataset, name: `${dataset.name} padded to [${shape.join(', ')}]`, shape: [...shape], samples };
}

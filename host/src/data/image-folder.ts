// A folder of labelled images: one subfolder per class (its name is the label; classes in sorted order), each
// holding PNG or binary PGM/PPM files of one shape.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { elementCount } from '../model/ir.js';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { decodeImage } from './image-decode.js';

const IMAGE = /\.(png|pgm|ppm)$/i;

export function imageFolderDataset(folder: string): Dataset {
  const classNames = readdirSync(folder).filter((name) => statSync(join(folder, name)).isDirectory()).sort();
  if (classNames.length === 0) throw new DatasetError('dataset_format', folder, 'no class subfolders (expected FOLDER/<class>/<image>.png|pgm|ppm)');
  if (classNames.length > 256) throw new DatasetError('dataset_format', folder, `${classNames.length} class subfolders; at most 256`);
  const files = classNames.flatMap((name, label) =>
    readdirSync(join(folder, name)).filter((file) => IMAGE.test(file)).sort().map((file) => ({ path: join(folder, name, file), label })),
  );
  if (files.length === 0) throw new DatasetError('dataset_format', folder, 'no .png, .pgm or .ppm images in its class subfolders');
  let shape: number[] | undefined;
  let samples = new Float32Array(0);
  const labels = new Uint8Array(files.length);
  files.forEach(({ path, label }, index) => {
    const image = decodeImage(readFileSync(path), path);
    if (!shape) {
      shape = image.shape;
      samples = new Float32Array(files.length * elementCount(shape));
    } else if (image.shape.some((size, axis) => size !== shape![axis])) {
      throw new DatasetError('dataset_shape_mismatch', path, `image of shape [${image.shape.join(', ')}], but ${files[0]!.path} has [${shape.join(', ')}]`, { index });
    }
    samples.set(image.values, index * image.values.length);
    labels[index] = label;
  });
  return { name: folder, shape: shape!, classes: classNames.length, samples, labels, count: files.length };
}

/** The class names of a folder dataset, in label order. */
export function imageFolderClasses(folder: string): string[] {
  return readdirSync(folder).filter((name) => statSync(join(folder, name)).isDirectory()).sort();
}

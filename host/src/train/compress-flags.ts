// The flags `rtinfer compress` gains for accuracy and retraining; here, apart from measured-compression.ts, so
// that compress without --data never loads TensorFlow.js.
import { Flags } from '@oclif/core';

/** Defaults of the retraining pipeline (deep-compression.ts reads them too). */
export const RETRAIN_DEFAULTS = { pruneSteps: 3, retrainEpochs: 1, fineTuneEpochs: 1, learningRate: 1e-3 } as const;

export const accuracyFlags = {
  data: Flags.string({ summary: 'Measure top-1 accuracy on this dataset (mnist, fashion-mnist, an IDX folder or a folder of class subfolders of images): before and after each stage, and per layer.' }),
  retrain: Flags.boolean({ summary: 'Deep Compression with retraining: prune in steps, retraining with the mask fixed; share weights, then fine-tune the centroids. Needs --data.', dependsOn: ['data'] }),
  samples: Flags.integer({ summary: 'With --data: a seeded subset of this many samples.', min: 10, dependsOn: ['data'] }),
  'pad-to-input': Flags.boolean({ summary: 'With --data: zero-pad smaller images to the model\'s height and width and repeat a grey channel to its channels (Fashion-MNIST into a 3 × 32 × 32 network).', dependsOn: ['data'] }),
  'train-epochs': Flags.integer({ summary: 'With --data: train the model this many epochs first (zoo models carry untrained seeded weights).', default: 0, min: 0, max: 1000 }),
  'prune-steps': Flags.integer({ summary: `With --retrain: steps to the target sparsity (default ${RETRAIN_DEFAULTS.pruneSteps}).`, min: 1, max: 100, dependsOn: ['retrain'] }),
  'retrain-epochs': Flags.integer({ summary: `With --retrain: epochs after each pruning step (default ${RETRAIN_DEFAULTS.retrainEpochs}).`, min: 0, max: 1000, dependsOn: ['retrain'] }),
  'fine-tune-epochs': Flags.integer({ summary: `With --retrain: epochs of centroid fine-tuning (default ${RETRAIN_DEFAULTS.fineTuneEpochs}).`, min: 0, max: 1000, dependsOn: ['retrain'] }),
};

export interface AccuracyFlagValues {
  data?: string;
  retrain: boolean;
  samples?: number;
  'pad-to-input'?: boolean;
  'train-epochs': number;
  'prune-steps'?: number;
  'retrain-epochs'?: number;
  'fine-tune-epochs'?: number;
  seed: number;
}


/**
 * Images kept as bytes, so that a whole data set fits in memory; batches become float tensors
 * only when they are used.
 */
export interface ImageSet {
  /** Pixels in [0, 255], NHWC, row-major: image i starts at i·H·W·C. */
  images: Uint8Array;
  /** Class index of each image, [count]. */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Human-readable name of each class index, e.g. "T-shirt/top". */
  classNames: readonly string[];
}

export type Split = 'train' | 'test';

/** A data set as a component creates it: where its files are and how to read each split. */
export interface DatasetSource {
  readonly classNames: readonly string[];
  /** [H, W, C] of every image. */
  readonly imageShape: readonly [number, number, number];
  /** Finds (and if allowed, downloads) the files, checks them, and reads one split. */
  load(split: Split): Promise<ImageSet>;
}

/** What a protocol hands to training and evaluation. */
export interface EvaluationSplits {
  /** Images to train on. */
  train: ImageSet;
  /** Images to score. */
  test: ImageSet;
  /** 1 where `test` image i is normal (in-distribution), 0 where it is anomalous, [test.count]. */
  testIsNormal: Uint8Array;
  /** One line for reports, e.g. `one-class: normal = 0 (T-shirt/top)`. */
  description: string;
  /**
   * C, set only by labelled protocols: `train.labels` lie in [0, C), and so do the labels of the
   * normal test images, so that training may use the labels and a classifier may be tested on
   * them. Undefined when the protocol trains without labels.
   */
  labelledClasses?: number;
  /**
   * The OOD set of each anomalous test image, set by the multi-class protocols. With several sets
   * the runner reports each metric per set against the normal images too (one AUROC per pair, as
   * in Table 2 of the CSI paper).
   * `ofImage[i]` is the index into `names` of test image i's OOD set, or -1 for a normal image.
   */
  oodSets?: { names: readonly string[]; ofImage: Int32Array };
}

/** A protocol: one-class, unlabelled multi-class, labelled multi-class. */
export interface EvaluationProtocol {
  prepare(dataset: DatasetSource): Promise<EvaluationSplits>;
}

import type { Split } from '@csi/core';

/** Which label of a CIFAR-100 record becomes the class: the 20 super-classes or the 100 classes. */
export const CIFAR100_LABEL_KINDS = ['coarse', 'fine'] as const;

export type Cifar100LabelKind = (typeof CIFAR100_LABEL_KINDS)[number];

/** One way to label the records of a CIFAR archive. */
export interface CifarLabelling {
  classNames: readonly string[];
  /** Index of the label byte in each record that holds this labelling. */
  labelIndex: number;
  /** Text file in the archive that lists the class names, one a line. */
  namesFile: string;
}

/** Everything the reader and the acquisition code need to know about one CIFAR binary archive. */
export interface CifarDatasetDescription {
  /** Component name and folder name under the cache, e.g. `cifar10`. */
  name: string;
  /** Name for messages, e.g. `CIFAR-10`. */
  title: string;
  /** File name of the archive, e.g. `cifar-10-binary.tar.gz`. */
  archiveName: string;
  /** Folder of the batch files inside the archive, e.g. `cifar-10-batches-bin`. */
  archiveFolder: string;
  /** SHA-256 of the archive file as downloaded (not of its gunzipped content). */
  archiveSha256: string;
  /** Length of the archive in bytes, for messages and progress. */
  archiveBytes: number;
  /** Base addresses tried in order; the archive's address is the base followed by `archiveName`. */
  mirrors: readonly string[];
  /** Batch files of each split, read in this order. */
  splitFiles: Readonly<Record<Split, readonly string[]>>;
  /** Number of values of each label byte at the start of a record, in byte order. */
  labelCounts: readonly number[];
  /** The labellings by option value; CIFAR-10 has only `default`. */
  labellings: Readonly<Record<string, CifarLabelling>>;
}

const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const CIFAR100_COARSE_CLASS_NAMES = [
  'aquatic_mammals',
  'fish',
  'flowers',
  'food_containers',
  'fruit_and_vegetables',
  'household_electrical_devices',
  'household_furniture',
  'insects',
  'large_carnivores',
  'large_man-made_outdoor_things',
  'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores',
  'medium_mammals',
  'non-insect_invertebrates',
  'people',
  'reptiles',
  'small_mammals',
  'trees',
  'vehicles_1',
  'vehicles_2',
] as const;

// The 100 fine classes in label order, which is alphabetical.
const CIFAR100_FINE_CLASS_NAMES = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
] as const;

/**
 * CIFAR-10, binary version (Krizhevsky, 2009): 50000 train and 10000 test images of 32 × 32 × 3
 * in 10 classes. Each record is 1 label byte and 3072 pixel bytes.
 */
// NOTE: the archive's SHA-256 and length are those listed by TensorFlow Datasets
// (tensorflow_datasets/url_checksums/cifar10.txt) and were not recomputed here, because no copy
// of the archive could be obtained offline. A wrong value would make every copy fail
// verification, never pass a bad one; CSI_CIFAR10_SHA256 overrides it.
export const CIFAR10: CifarDatasetDescription = {
  name: 'cifar10',
  title: 'CIFAR-10',
  archiveName: 'cifar-10-binary.tar.gz',
  archiveFolder: 'cifar-10-batches-bin',
  archiveSha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  archiveBytes: 170052171,
  mirrors: ['https://www.cs.toronto.edu/~kriz/'],
  splitFiles: {
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
  },
  labelCounts: [10],
  labellings: {
    default: { classNames: CIFAR10_CLASS_NAMES, labelIndex: 0, namesFile: 'batches.meta.txt' },
  },
};

/**
 * CIFAR-100, binary version: 50000 train and 10000 test images of 32 × 32 × 3. Each record is a
 * coarse label byte (20 super-classes), a fine label byte (100 classes) and 3072 pixel bytes.
 */
// NOTE: SHA-256 and length as listed by TensorFlow Datasets
// (tensorflow_datasets/url_checksums/cifar100.txt), not recomputed here; see CIFAR10.
export const CIFAR100: CifarDatasetDescription = {
  name: 'cifar100',
  title: 'CIFAR-100',
  archiveName: 'cifar-100-binary.tar.gz',
  archiveFolder: 'cifar-100-binary',
  archiveSha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
  archiveBytes: 168513733,
  mirrors: ['https://www.cs.toronto.edu/~kriz/'],
  splitFiles: { train: ['train.bin'], test: ['test.bin'] },
  labelCounts: [20, 100],
  labellings: {
    coarse: { classNames: CIFAR100_COARSE_CLASS_NAMES, labelIndex: 0, namesFile: 'coarse_label_names.txt' },
    fine: { classNames: CIFAR100_FINE_CLASS_NAMES, labelIndex: 1, namesFile: 'fine_label_names.txt' },
  },
};

/** The built-in CIFAR data sets by name. */
export const CIFAR_DATASETS: Readonly<Record<string, CifarDatasetDescription>> = {
  [CIFAR10.name]: CIFAR10,
  [CIFAR100.name]: CIFAR100,
};

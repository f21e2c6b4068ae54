/** The four files of an MNIST-style data set, named without the `.gz` suffix. */
export const IDX_FILE_NAMES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

export type IdxFileName = (typeof IDX_FILE_NAMES)[number];

/** The image and label file of each split. */
export const SPLIT_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const satisfies Record<string, { images: IdxFileName; labels: IdxFileName }>;

/** A Debian package that ships the four files, and the folder they are in inside the package. */
export interface DebianPackage {
  name: string;
  /** Folder of the files inside the package, relative to `/`, e.g. `usr/share/datasets/fashion-mnist`. */
  dataDir: string;
}

/** Everything the acquisition code needs to know about one IDX data set. */
export interface IdxDatasetDescription {
  /** Component name and folder name under the cache, e.g. `fashion-mnist`. */
  name: string;
  /** Name for messages, e.g. `Fashion-MNIST`. */
  title: string;
  classNames: readonly string[];
  /** [H, W, C] of every image. */
  imageShape: readonly [number, number, number];
  /**
   * SHA-256 of each file's IDX bytes after gunzip. Hashing the content rather than the `.gz`
   * file lets one value match the upstream archive, Debian's re-compressed copy and an
   * uncompressed copy.
   */
  sha256: Readonly<Record<IdxFileName, string>>;
  /** Base addresses tried in order; a file's address is the base followed by `<file>.gz`. */
  mirrors: readonly string[];
  debianPackage?: DebianPackage;
  /** Folders where a system package installs the files, searched after the user cache. */
  systemDirs: readonly string[];
}

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017). The checksums were computed from the files
 * in Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1. Debian re-compressed the upstream
 * archives, so only the gunzipped content matches upstream. The MD5 sums of that content equal
 * the ones that published loaders list for the upstream archives after gunzip.
 */
export const FASHION_MNIST: IdxDatasetDescription = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  imageShape: [28, 28, 1],
  sha256: {
    'train-images-idx3-ubyte': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    'train-labels-idx1-ubyte': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    't10k-images-idx3-ubyte': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    't10k-labels-idx1-ubyte': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  debianPackage: { name: 'dataset-fashion-mnist', dataDir: 'usr/share/datasets/fashion-mnist' },
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
};

/**
 * MNIST handwritten digits (LeCun, Cortes and Burges). Debian ships no MNIST package, so the
 * checksums come from published listings of the gunzipped files' SHA-256. Several independent
 * projects list the same four values, and one listing that also gives Fashion-MNIST's values
 * matches the Fashion-MNIST checksums above exactly.
 */
// NOTE: these four values were not recomputed from MNIST bytes here, because no copy of MNIST
// could be obtained offline. A wrong value would make every copy fail verification, never pass a bad one.
export const MNIST: IdxDatasetDescription = {
  name: 'mnist',
  title: 'MNIST',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  imageShape: [28, 28, 1],
  sha256: {
    'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  // The original site has refused direct downloads at times; the second address is the copy
  // that torchvision downloads from.
  mirrors: ['https://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
  systemDirs: [],
};

/** The built-in IDX data sets by name. */
export const IDX_DATASETS: Readonly<Record<string, IdxDatasetDescription>> = {
  [FASHION_MNIST.name]: FASHION_MNIST,
  [MNIST.name]: MNIST,
};

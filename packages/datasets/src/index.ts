import type { ComponentRegistrar } from '@csi/core';
import { cifar100Dataset, cifar10Dataset } from './cifar-dataset.js';
import { fashionMnistDataset, mnistDataset } from './idx-dataset.js';
import { idxFolderDataset } from './idx-folder.js';
import { imageFolderDataset } from './image-folder.js';
import { defineMultiClassOodProtocol } from './multi-class-ood.js';
import { mvtecDataset } from './mvtec.js';
import { oodNessProtocol } from './ood-ness.js';
import { oneClassProtocol } from './one-class.js';

export {
  FASHION_MNIST,
  IDX_DATASETS,
  IDX_FILE_NAMES,
  MNIST,
  SPLIT_FILES,
  type DebianPackage,
  type IdxDatasetDescription,
  type IdxFileName,
} from './catalog.js';
export { decodeIdx, encodeIdx, gunzipIfCompressed, IDX_MAGIC, isGzip, readIdxFile } from './idx.js';
export type { IdxArray, IdxKind, IdxSourceInfo } from './idx.js';
export { checkContentSha256, computeContentSha256, type ChecksumCheck } from './checksum.js';
export {
  defaultCacheDir,
  environmentPrefix,
  inspectFolder,
  listCandidateFolders,
  locateDataset,
  resolveChecksums,
  type DatasetOrigin,
  type FolderCheck,
  type LocateOptions,
  type LocatedDataset,
} from './locate.js';
export { downloadVerifiedFile, type DownloadProgress, type VerifiedDownload } from './download-http.js';
export { acquireDataset, fetchDataset, resolveMirrors, type AcquireOptions, type FetchedDataset } from './acquire.js';
export { countPerClass, readImageSet, selectImages, type ImageSetFiles, type ReadImageSetOptions } from './image-set.js';
export {
  defineIdxDataset,
  fashionMnistDataset,
  IdxDatasetSource,
  mnistDataset,
  type IdxDatasetOptions,
} from './idx-dataset.js';
export { idxFolderDataset, type IdxFolderOptions } from './idx-folder.js';
export { describeOneClass, oneClassProtocol, OneClassProtocol, type OneClassOptions } from './one-class.js';
export { oodNessProtocol, OodNessProtocol, type OodNessOptions } from './ood-ness.js';
export { drawStratifiedIndices, limitImages, limitSplits, limitTestImages } from './limit.js';
export { createEpochRandom, iterateBatches, toImageTensor, type BatchOptions } from './batching.js';
export {
  CIFAR10,
  CIFAR100,
  CIFAR100_LABEL_KINDS,
  CIFAR_DATASETS,
  type Cifar100LabelKind,
  type CifarDatasetDescription,
  type CifarLabelling,
} from './cifar-catalog.js';
export { concatenateRecords, decodeCifarRecords, type CifarRecordLayout, type CifarRecords } from './cifar-records.js';
export {
  acquireCifar,
  fetchCifarDataset,
  inspectCifarFolder,
  listCifarFolders,
  resolveArchiveChecksum,
  resolveArchiveMirrors,
  type CifarAcquireOptions,
  type CifarFiles,
  type LocatedCifar,
} from './cifar-acquire.js';
export { cifar100Dataset, cifar10Dataset, CifarDatasetSource, type Cifar100Options, type CifarOptions } from './cifar-dataset.js';
export { computeFileSha256, downloadVerifiedArchive, type ArchiveDownload } from './download-archive.js';
export { fetchBuiltinDataset, listDownloadableDatasets } from './fetch-builtin.js';
export { readTarFiles, TarStreamReader } from './tar-reader.js';
export { convertChannels, decodeImage, IMAGE_EXTENSIONS, type RgbaImage } from './image-decode.js';
export { resizeBilinear, type ImageSize } from './image-resize.js';
export { conformImageSet } from './image-conform.js';
export {
  listClassFolders,
  listClassImages,
  readClassImages,
  type ClassImages,
  type TargetShape,
} from './image-folder-reader.js';
export { imageFolderDataset, ImageFolderSource, type ImageFolderOptions } from './image-folder.js';
export { MVTEC_GOOD_CLASS, mvtecDataset, MvtecSource, type MvtecOptions } from './mvtec.js';
export {
  defineMultiClassOodProtocol,
  HELD_OUT_SET,
  MultiClassOodProtocol,
  type DatasetRef,
  type MultiClassOodOptions,
  type OodSourceFactory,
  type OodSourceOptions,
} from './multi-class-ood.js';

/** The data sets of this package, in registration order; each may also be the OOD set of `multi-class-ood`. */
export const BUILTIN_DATASETS = [
  fashionMnistDataset,
  mnistDataset,
  idxFolderDataset,
  cifar10Dataset,
  cifar100Dataset,
  imageFolderDataset,
  mvtecDataset,
] as const;

/** `multi-class-ood` with every data set of this package as a possible OOD set. */
export const multiClassOodProtocol = defineMultiClassOodProtocol(BUILTIN_DATASETS);

/** `labelled-multi-class`: the splits of `multi-class-ood`, with the train labels for supervised training. */
export const labelledMultiClassProtocol = defineMultiClassOodProtocol(BUILTIN_DATASETS, { labelled: true });

/**
 * Adds the data sets `fashion-mnist`, `mnist`, `idx-folder`, `cifar10`, `cifar100`,
 * `image-folder` and `mvtec`, and the protocols `one-class`, `multi-class-ood`, `labelled-multi-class` and `ood-ness`.
 */
export function register(registrar: ComponentRegistrar): void {
  for (const dataset of BUILTIN_DATASETS) registrar.add(dataset);
  registrar.add(oneClassProtocol);
  registrar.add(multiClassOodProtocol);
  registrar.add(labelledMultiClassProtocol);
  registrar.add(oodNessProtocol);
}

import type { ComponentRegistrar } from '@csi/core';
import { fashionMnistDataset, mnistDataset } from './idx-dataset.js';
import { idxFolderDataset } from './idx-folder.js';
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
export { drawStratifiedIndices, limitImages, limitSplits, limitTestImages } from './limit.js';
export { createEpochRandom, iterateBatches, toImageTensor, type BatchOptions } from './batching.js';

/** Adds the data sets `fashion-mnist`, `mnist` and `idx-folder` and the protocol `one-class`. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(fashionMnistDataset);
  registrar.add(mnistDataset);
  registrar.add(idxFolderDataset);
  registrar.add(oneClassProtocol);
}

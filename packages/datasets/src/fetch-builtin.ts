import { UsageError, describeUnknownName } from '@csi/core';
import { fetchDataset, type AcquireOptions, type FetchedDataset } from './acquire.js';
import { fetchCifarDataset } from './cifar-acquire.js';
import { CIFAR_DATASETS } from './cifar-catalog.js';
import { IDX_DATASETS } from './catalog.js';

/** Names of the data sets that can be downloaded: the IDX and the CIFAR ones, sorted. */
export function listDownloadableDatasets(): string[] {
  return [...Object.keys(IDX_DATASETS), ...Object.keys(CIFAR_DATASETS)].sort();
}

/**
 * Makes sure the downloadable data set `name` is on this machine, downloading it into the user
 * cache if needed: `fetchDataset` for the IDX data sets (fashion-mnist, mnist) and
 * `fetchCifarDataset` for cifar10 and cifar100. Throws a UsageError for an unknown name that
 * lists every downloadable data set.
 */
export async function fetchBuiltinDataset(
  name: string,
  options: Omit<AcquireOptions, 'download'>,
): Promise<FetchedDataset> {
  if (IDX_DATASETS[name]) return fetchDataset(name, options);
  if (CIFAR_DATASETS[name]) return fetchCifarDataset(name, options);
  throw new UsageError(describeUnknownName('dataset', name, listDownloadableDatasets()));
}

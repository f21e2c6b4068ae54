import { readdirSync, type Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DataError, type ImageSet } from '@csi/core';
import { convertChannels, decodeImage, IMAGE_EXTENSIONS } from './image-decode.js';
import { resizeBilinear } from './image-resize.js';

/** [H, W, C] that every image is converted to; C is 1 (grayscale) or 3 (RGB). */
export type TargetShape = readonly [height: number, width: number, channels: 1 | 3];

/** The image files of one class folder, sorted by name. */
export interface ClassImages {
  className: string;
  dir: string;
  files: string[];
}

/**
 * Lists the class folders of a split folder (`<root>/<split>/<class>/`), sorted by name in
 * UTF-16 code-unit order, so the class indices do not depend on the locale. Entries whose names
 * start with `.` are skipped. Synchronous, because a data set must know its class names before
 * anything is loaded. Throws a DataError when the folder is missing, contains a file, or has no
 * class folder. `subject` names the folder in messages, e.g. `image-folder: split "train"`.
 */
export function listClassFolders(splitDir: string, subject: string, fix: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(splitDir, { withFileTypes: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message;
    throw new DataError(`${subject}: cannot read ${splitDir} (${reason}). ${fix}`, { cause: error });
  }
  const visible = entries.filter((entry) => !entry.name.startsWith('.'));
  const stray = visible.find((entry) => !entry.isDirectory());
  if (stray) {
    throw new DataError(
      `${subject}: ${join(splitDir, stray.name)} is a file, but ${splitDir} must hold only class folders ` +
        `(<class>/<image>). Move the file into a class folder or out of the data folder.`,
    );
  }
  const names = visible.map((entry) => entry.name).sort(compareCodePoints);
  if (names.length === 0) throw new DataError(`${subject}: ${splitDir} has no class folders. ${fix}`);
  return names;
}

/**
 * Lists the image files of each named class folder of `splitDir`, sorted by name. Hidden
 * entries are skipped. A sub-folder, a file without a PNG or JPEG ending, or a class folder
 * without images is a DataError that names it.
 */
export async function listClassImages(splitDir: string, classNames: readonly string[], subject: string): Promise<ClassImages[]> {
  const result: ClassImages[] = [];
  for (const className of classNames) {
    const dir = join(splitDir, className);
    let entries: Dirent[];
    try {
      entries = (await readdir(dir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'));
    } catch (error) {
      throw new DataError(`${subject}: cannot read the class folder ${dir} (${(error as Error).message}).`, { cause: error });
    }
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        throw new DataError(
          `${subject}: ${path} is a folder inside the class folder "${className}"; class folders must hold ` +
            'image files only. Move the folder out, or make it a class folder of its own.',
        );
      }
      if (!(IMAGE_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())) {
        throw new DataError(
          `${subject}: ${path} is not an image file (expected a name ending in ${IMAGE_EXTENSIONS.join(', ')}). ` +
            'Move it out of the data folder.',
        );
      }
      files.push(entry.name);
    }
    if (files.length === 0) {
      throw new DataError(
        `${subject}: the class folder ${dir} has no images. Add PNG or JPEG images, or remove the empty folder.`,
      );
    }
    result.push({ className, dir, files: files.sort(compareCodePoints) });
  }
  return result;
}

/**
 * Reads, decodes and converts the images of `folders` into one ImageSet of `shape`. Each image
 * is decoded (PNG or JPEG), converted to the channel count of `shape` and resized with
 * `resizeBilinear` when its size differs. Labels are the index of each folder's class in
 * `classNames`. Images are in folder order, then file-name order.
 */
export async function readClassImages(
  folders: readonly ClassImages[],
  classNames: readonly string[],
  shape: TargetShape,
): Promise<ImageSet> {
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const count = folders.reduce((sum, folder) => sum + folder.files.length, 0);
  const images = new Uint8Array(count * imageSize);
  const labels = new Int32Array(count);
  let index = 0;
  for (const folder of folders) {
    const label = classNames.indexOf(folder.className);
    if (label < 0) throw new RangeError(`readClassImages: class "${folder.className}" is not in classNames`);
    for (const file of folder.files) {
      const path = join(folder.dir, file);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new DataError(`${path}: cannot read the file (${(error as Error).message}).`, { cause: error });
      }
      const decoded = decodeImage(bytes, path);
      const converted = convertChannels(decoded, channels);
      const resized = resizeBilinear(converted, [decoded.height, decoded.width, channels], height, width);
      images.set(resized, index * imageSize);
      labels[index] = label;
      index += 1;
    }
  }
  return { images, labels, count, height, width, channels, classNames };
}

/** Orders strings by UTF-16 code units, the same on every locale (unlike `localeCompare`). */
export function compareCodePoints(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

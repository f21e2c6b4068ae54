import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RandomSource } from '@csi/core';
import { encodeIdx } from '@csi/datasets';

/**
 * Writes a small data set in the MNIST file layout for end-to-end runs and returns the folder.
 * Class 0 is an upright "T" (a bar across the top and a stem down the middle), class 1 a few
 * random blobs, and class 2 (with `numClasses` 3) a hollow square. Image i has class
 * i mod numClasses. Pixel noise and a small random offset make every image different.
 */
export function writeSyntheticIdx(folder: string, counts: { train: number; test: number }, seed = 0, numClasses: 2 | 3 = 2): string {
  mkdirSync(folder, { recursive: true });
  const random = RandomSource.fromSeed(seed);
  const splits = [
    ['train', counts.train],
    ['t10k', counts.test],
  ] as const;
  for (const [prefix, count] of splits) {
    const images = new Uint8Array(count * 28 * 28);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = i % numClasses;
      labels[i] = label;
      drawImage(images.subarray(i * 784, (i + 1) * 784), label, random);
    }
    writeFileSync(join(folder, `${prefix}-images-idx3-ubyte`), encodeIdx('images', [count, 28, 28], images));
    writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte`), encodeIdx('labels', [count], labels));
  }
  return folder;
}

function drawImage(pixels: Uint8Array, label: number, random: RandomSource): void {
  for (let p = 0; p < pixels.length; p++) pixels[p] = random.integer(0, 40);
  const dx = random.integer(-2, 2);
  const dy = random.integer(-2, 2);
  const fill = (top: number, left: number, height: number, width: number) => {
    for (let y = top; y < top + height; y++) {
      for (let x = left; x < left + width; x++) {
        if (y >= 0 && y < 28 && x >= 0 && x < 28) pixels[y * 28 + x] = 220;
      }
    }
  };
  if (label === 0) {
    fill(5 + dy, 5 + dx, 4, 18);
    fill(9 + dy, 12 + dx, 14, 4);
  } else if (label === 2) {
    fill(6 + dy, 6 + dx, 3, 16);
    fill(19 + dy, 6 + dx, 3, 16);
    fill(6 + dy, 6 + dx, 16, 3);
    fill(6 + dy, 19 + dx, 16, 3);
  } else {
    for (let blob = 0; blob < 3; blob++) fill(random.integer(2, 20), random.integer(2, 20), 5, 5);
  }
}

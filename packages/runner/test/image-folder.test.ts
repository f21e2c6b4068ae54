// End-to-end runs of the built `csi` binary on PNG files in class folders: the image-folder data
// set with the one-class protocol, and the multi-class-ood protocol with a held-out class. They
// need `pnpm build` first (the root `pnpm test` runs it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { RandomSource } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FILE, runCsi, type CliResult } from './csi-binary.js';

const work = mkdtempSync(join(tmpdir(), 'csi-image-folder-run-'));
const dataRoot = join(work, 'shapes');

function csi(...args: string[]): Promise<CliResult> {
  return runCsi(work, args);
}

// CRC-32 (ISO 3309, polynomial 0xEDB88320) of each PNG chunk's type and data.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * Encodes an 8-bit RGB PNG (colour type 2, no interlace, filter 0 on every row). Written here
 * rather than with the decoder's library, so the run also checks the decoder against an
 * independent encoder.
 */
function encodeRgbPng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    rows.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * Draws one image of `side` × `side`: a dim noisy background with a bright disc (class `disc`)
 * or a bright bar across the top with a stem down the middle (class `tee`), at a small random
 * offset and in a random warm colour.
 */
function drawShape(shape: 'disc' | 'tee', side: number, random: RandomSource): Uint8Array {
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = random.integer(0, 40);
  const colour = [random.integer(180, 255), random.integer(120, 200), random.integer(0, 60)];
  const scale = side / 32;
  const dx = random.integer(-2, 2) * scale;
  const dy = random.integer(-2, 2) * scale;
  const paint = (x: number, y: number) => rgb.set(colour, (y * side + x) * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const u = (x - dx) / scale;
      const v = (y - dy) / scale;
      const inside =
        shape === 'disc'
          ? (u - 16) ** 2 + (v - 16) ** 2 <= 9 ** 2
          : (v >= 5 && v < 10 && u >= 5 && u < 27) || (v >= 10 && v < 27 && u >= 14 && u < 19);
      if (inside) paint(x, y);
    }
  }
  return rgb;
}

/**
 * Writes `<root>/<split>/<class>/NNN.png` for the classes disc and tee: 96 train and 64 test
 * images per class, 320 files. Every eighth image is 48 × 48 instead of 32 × 32, so the run
 * also resizes.
 */
function writeShapes(root: string): void {
  const random = RandomSource.fromSeed(11);
  for (const [split, perClass] of [['train', 96], ['test', 64]] as const) {
    for (const shape of ['disc', 'tee'] as const) {
      const dir = join(root, split, shape);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const side = i % 8 === 7 ? 48 : 32;
        writeFileSync(join(dir, `${String(i).padStart(3, '0')}.png`), encodeRgbPng(side, side, drawShape(shape, side, random)));
      }
    }
  }
}

function spec(name: string, protocol: string): string {
  return `
name: ${name}
seed: 5
backend: auto
data:
  dataset:
    name: image-folder
    options:
      root: ${dataRoot}
      height: 32
      width: 32
      channels: 3
${protocol}
model:
  backbone:
    name: resnet
    options:
      blocksPerStage: [1, 1, 1, 1]
      widthMultiplier: 0.125
  projectionSize: 16
train:
  epochs: 1
  batchSize: 16
  schedule:
    warmupEpochs: 0
    warmupMultiplier: 1
eval:
  batchSize: 64
`;
}

function readMetrics(runDir: string): { metrics: Record<string, number>; history: Record<string, number>[]; testImages: number } {
  return JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
}

function readScoreRows(runDir: string): string[][] {
  const lines = readFileSync(join(runDir, 'scores.csv'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('index,label,class_name,is_normal,score');
  return lines.slice(1).map((line) => line.split(','));
}

beforeAll(() => {
  if (!existsSync(CLI_FILE)) throw new Error(`${CLI_FILE} is missing; run pnpm build before these tests`);
  writeShapes(dataRoot);
  writeFileSync(
    join(work, 'one-class.yaml'),
    spec('shapes-one-class', 'protocol:\n  name: one-class\n  options:\n    normalClasses: [0]'),
  );
  writeFileSync(
    join(work, 'held-out.yaml'),
    spec('shapes-held-out', 'protocol:\n  name: multi-class-ood\n  options:\n    heldOutClasses: [1]'),
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('csi run on PNG class folders', () => {
  const runDir = join(work, 'run-one-class');
  let result: CliResult;

  beforeAll(async () => {
    result = await csi('run', 'one-class.yaml', '--out', runDir);
  });

  it('exits 0 and prints the metrics', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/auroc\s+0\.\d{4}|auroc\s+1\.0000/);
  });

  it('trains one epoch on the normal class', () => {
    const { metrics, history, testImages } = readMetrics(runDir);
    expect(history.map((record) => record.epoch)).toEqual([1]);
    expect(Number.isFinite(history[0]?.lossConSi)).toBe(true);
    expect(Number.isFinite(history[0]?.lossClsSi)).toBe(true);
    expect(testImages).toBe(128);
    for (const name of ['auroc', 'aupr', 'fpr-at-95-tpr']) {
      expect(metrics[name], name).toBeGreaterThanOrEqual(0);
      expect(metrics[name], name).toBeLessThanOrEqual(1);
    }
  });

  it('scores every test image with its class folder name', () => {
    const rows = readScoreRows(runDir);
    expect(rows).toHaveLength(128);
    // Classes are the folder names in sorted order: disc = 0 (normal), tee = 1.
    const normal = rows.filter((row) => row[3] === '1');
    expect(normal).toHaveLength(64);
    expect(normal.every((row) => row[1] === '0' && row[2] === 'disc')).toBe(true);
    expect(rows.filter((row) => row[2] === 'tee').every((row) => row[3] === '0')).toBe(true);
    expect(rows.every((row) => Number.isFinite(Number(row[4])))).toBe(true);
  });
});

describe('csi run with the multi-class-ood protocol', () => {
  it('scores the held-out class as OOD', async () => {
    const runDir = join(work, 'run-held-out');
    const result = await csi('run', 'held-out.yaml', '--out', runDir);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);

    const rows = readScoreRows(runDir);
    expect(rows).toHaveLength(128);
    expect(rows.filter((row) => row[3] === '0').every((row) => row[2] === 'tee')).toBe(true);
    expect(rows.filter((row) => row[3] === '1').every((row) => row[2] === 'disc')).toBe(true);
    expect(readFileSync(join(runDir, 'report.md'), 'utf8')).toContain('multi-class-ood: in-distribution = 0 (disc); OOD = held-out: classes 1 (tee)');
  });
});

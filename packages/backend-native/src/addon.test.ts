import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeMissingAddon } from './addon.js';

describe('describeMissingAddon', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'csi-native-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the addon was never built when no build record exists', () => {
    const reason = describeMissingAddon(path.join(dir, 'csi_native.node'), path.join(dir, 'status.json'));
    expect(reason).toContain('has not been built');
    expect(reason).toContain(path.join(dir, 'status.json'));
  });

  it('quotes the reason the build recorded', () => {
    const statusPath = path.join(dir, 'status.json');
    writeFileSync(statusPath, JSON.stringify({ available: false, reason: 'dnnl.hpp (oneDNN headers) not found in the system paths' }));
    const reason = describeMissingAddon(path.join(dir, 'csi_native.node'), statusPath);
    expect(reason).toContain('skipped or failed');
    expect(reason).toContain('dnnl.hpp (oneDNN headers) not found');
  });

  it('reports a record that claims success for a missing addon', () => {
    const statusPath = path.join(dir, 'status.json');
    writeFileSync(statusPath, JSON.stringify({ available: true, oneDnnVersion: '2.6.3' }));
    expect(describeMissingAddon(path.join(dir, 'csi_native.node'), statusPath)).toContain('records no failure');
  });

  it('reports an unreadable build record', () => {
    const statusPath = path.join(dir, 'status.json');
    writeFileSync(statusPath, '{ not json');
    expect(describeMissingAddon(path.join(dir, 'csi_native.node'), statusPath)).toContain('unreadable');
  });
});

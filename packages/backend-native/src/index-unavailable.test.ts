import { describe, expect, it, vi } from 'vitest';

// Simulates a machine without oneDNN: the loader reports the reason the build recorded.
vi.mock('./addon.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./addon.js')>()),
  loadNativeAddon: () => ({ reason: 'the addon build was skipped or failed: libdnnl.so (oneDNN library) not found in the system paths' }),
}));

const { nativeBackendStatus, registerNativeBackend } = await import('./index.js');

describe('registerNativeBackend without the addon', () => {
  it('throws with the reason and the install steps', () => {
    expect(() => registerNativeBackend()).toThrow(/native backend unavailable/);
    expect(() => registerNativeBackend()).toThrow(/libdnnl\.so \(oneDNN library\) not found/);
    expect(() => registerNativeBackend()).toThrow(/apt-get install libdnnl-dev/);
    expect(() => registerNativeBackend()).toThrow(/pnpm --filter @csi\/backend-native build/);
  });

  it('reports the backend unavailable with the same reason', () => {
    const status = nativeBackendStatus();
    expect(status.available).toBe(false);
    expect(status.reason).toContain('libdnnl.so (oneDNN library) not found');
    expect(status.reason).toContain('apt-get install libdnnl-dev');
    expect(status.oneDnnVersion).toBeUndefined();
  });
});

// Records which kernels the native backend handed to the cpu backend, so tests can check that
// the supported cases really ran in the addon.
import { afterEach, beforeEach, vi, type MockInstance } from 'vitest';
import { NativeBackend } from '../backend.js';

/** Installs a spy for the enclosing suite; call the result to get the kernel names seen so far. */
export function watchCpuFallbacks(): () => string[] {
  let spy: MockInstance<NativeBackend['runCpuKernel']> | undefined;
  beforeEach(() => {
    spy = vi.spyOn(NativeBackend.prototype, 'runCpuKernel');
  });
  afterEach(() => {
    spy?.mockRestore();
  });
  return () => (spy?.mock.calls ?? []).map(([kernelName]) => kernelName);
}

// Test support, left out of the build by tsconfig.build.json.

/** Runs `run` and returns what it throws; fails the test when it returns instead. */
export function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but the call returned');
}

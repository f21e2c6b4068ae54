/**
 * Registers the gradient of every TensorFlow.js kernel, which `tf.grad` and `tf.variableGrads`
 * need. tfjs-core 4.22 ships its gradient configs only as ES modules with extension-less
 * imports, which Node's ESM loader cannot resolve. The union package @tensorflow/tfjs bundles
 * them into its Node build and registers them when loaded, so loading it once is enough.
 * Idempotent; `setupBackend` calls it.
 */
export async function registerGradients(): Promise<void> {
  await import('@tensorflow/tfjs');
}

// Module resolve hook for the bench: tfjs-core 4.22's ESM files (dist/register_all_gradients.js and
// everything it imports) use extensionless relative imports, which Node's ESM loader rejects (some
// name a file that sits beside a directory of the same name, e.g. ./gradients),
// and no tfjs-core bundle registers the gradients. Retrying such a specifier with ".js" lets plain
// Node load them; vitest resolves them without help.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const extensionless = !/\.[cm]?js$/.test(specifier);
    const retry = error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
    if (retry && extensionless && context.parentURL?.includes('tfjs-core')) {
      return nextResolve(`${specifier}.js`, context);
    }
    throw error;
  }
}

export { registerWasmTrainingKernels } from './register-training-kernels.js';

export {
  type AddonCandidate,
  type AddonSearch,
  addonCandidates,
  type LoadedBlas,
  loadNativeAddon,
  type NativeAddon,
  prebuiltAddonFile,
} from './addon/native-addon';
export { blasCandidates, defaultBlasCandidates } from './blas/blas-candidates';
export { NATIVE_KERNEL_NAMES } from './registry/native-kernel-set';
export {
  disableNativeKernels,
  enableNativeKernels,
  type NativeKernelsOptions,
  type NativeKernelsStatus,
  nativeKernelsStatus,
} from './registry/native-kernels';
export { resolveThreadCount } from './threads/thread-count';

/**
 * BLAS libraries tried in order at run time (dlopen). Multithreaded OpenBLAS first, then BLIS, then MKL.
 * Debian's default `libblas.so.3` (often the slow reference BLAS) is never on this list.
 */
export function defaultBlasCandidates(arch: string = process.arch): string[] {
  const multiarch = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const lib = `/usr/lib/${multiarch}`;
  return [
    `${lib}/openblas-pthread/libopenblas.so.0`,
    'libopenblas.so.0',
    `${lib}/openblas-openmp/libopenblas.so.0`,
    `${lib}/blis-pthread/libblis.so.4`,
    `${lib}/blis-openmp/libblis.so.4`,
    'libblis.so.4',
    'libmkl_rt.so.2',
    'libmkl_rt.so',
  ];
}

/** `MMNET_BLAS` (a library path; not the words builtin/system) is tried before the defaults when set. */
export function blasCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.MMNET_BLAS?.trim();
  return override && !['builtin', 'system'].includes(override.toLowerCase())
    ? [override, ...defaultBlasCandidates()]
    : defaultBlasCandidates();
}

#!/usr/bin/env bash
# Runs a command as on a fresh machine: no system BLAS and no C/C++ compiler, without uninstalling anything.
# It enters a private mount namespace (root only) where every BLAS the addon looks for is hidden behind an empty
# directory or file and every compiler is replaced by a stub that fails like a missing command; the rest of the
# machine (and other processes) see no change.
#   sudo packages/native-kernels/scripts/without-blas-and-compiler.sh pnpm train
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
  exec unshare --mount --propagation private "$0" --inside "$@"
fi
shift
stub=$(mktemp)
printf '#!/bin/sh\necho "$(basename "$0"): command not found" >&2\nexit 127\n' >"$stub"
chmod +x "$stub"
empty=$(mktemp -d)
# Libraries: the multiarch directories of OpenBLAS/BLIS builds and any libopenblas/libblis/libmkl file elsewhere.
for dir in /usr/lib/*-linux-gnu/openblas-* /usr/lib/*-linux-gnu/blis-*; do
  [ -d "$dir" ] && mount --bind "$empty" "$dir"
done
for lib in /usr/lib/*-linux-gnu/lib{openblas,blis,mkl_rt}*.so* /usr/lib/lib{openblas,blis,mkl_rt}*.so* \
  /usr/local/lib/lib{openblas,blis,mkl_rt}*.so*; do
  [ -e "$lib" ] && mount --bind /dev/null "$lib"
done
# Compilers: every gcc/g++/cc/c++/clang binary on the usual paths.
for bin in /usr/bin/{gcc,g++,cc,c++,clang,clang++}* /usr/bin/*-linux-gnu-{gcc,g++}* /usr/local/bin/{gcc,g++,cc,c++,clang}*; do
  [ -e "$bin" ] && mount --bind "$stub" "$bin"
done
exec "$@"

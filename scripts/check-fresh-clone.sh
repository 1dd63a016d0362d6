#!/usr/bin/env bash
# Checks the README's commands the way a new user meets them: a fresh clone of HEAD in a new folder, an
# empty npm cache and an empty pnpm store. Usage: scripts/check-fresh-clone.sh [test|train|both]
set -euo pipefail
what=${1:-test}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/mmnet-fresh-XXXXXX)
export npm_config_cache="$work/npm-cache"
export npm_config_store_dir="$work/pnpm-store"
export pnpm_config_store_dir="$work/pnpm-store"
export XDG_CACHE_HOME="$work/xdg-cache"
export TURBO_TELEMETRY_DISABLED=1
git clone -q "$repo" "$work/mmnet"
cd "$work/mmnet"
echo "fresh clone at $work/mmnet ($(git rev-parse --short HEAD))"
if [[ $what == test || $what == both ]]; then
  npx -y pnpm@12.4.2 install --frozen-lockfile && npx -y pnpm@12.4.2 test
fi
if [[ $what == train || $what == both ]]; then
  npx -y pnpm@12.4.2 install && npx -y pnpm@12.4.2 train "${@:2}"
fi

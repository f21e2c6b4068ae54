#!/usr/bin/env bash
# Sets up a fresh checkout: the oneDNN library for the fast native CPU backend (Debian/Ubuntu, when
# run as root), the workspace's npm packages through pnpm, and a build of every package.
# Safe to run again; each step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.24.0

if ! [ -e /usr/include/dnnl.h ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing libdnnl-dev (oneDNN) for the native CPU backend"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdnnl-dev >/dev/null
  else
    echo "setup: oneDNN headers not found; the native CPU backend will be skipped and runs fall back to wasm." >&2
    echo "setup: to get the fast backend, install libdnnl-dev (sudo apt-get install libdnnl-dev) and run this script again." >&2
  fi
fi

echo "setup: installing npm packages with pnpm ${PNPM_VERSION}"
npx --yes "pnpm@${PNPM_VERSION}" install --frozen-lockfile
echo "setup: building the packages"
npx --yes "pnpm@${PNPM_VERSION}" run build

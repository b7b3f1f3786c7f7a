#!/usr/bin/env bash
# bootstrap.sh: installs what building and testing reel needs and is missing; does nothing when all is present.
#
# apt packages come from scripts/apt-packages.txt (one per line). `apt-get update` runs only when something is
# missing; `sudo` is used when not root. A Rust toolchain (rustup, stable) is installed only when cargo is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
while read -r line; do
    line="${line%%#*}"
    line="${line//[[:space:]]/}"
    [ -n "$line" ] && packages+=("$line")
done < scripts/apt-packages.txt

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: missing ${missing[*]}, and apt-get is not available: install them by hand (see README.md)" >&2
        exit 1
    fi
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ships inside some nodejs builds (NodeSource) and conflicts with Debian's npm package there: only add it
# when the command is missing.
if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: installing npm"
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends npm
fi

# The browser and playlist tests' npm packages (playwright-core, hls-parser), pinned by tests/browser's lock file.
if [ ! -d tests/browser/node_modules/hls-parser ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "bootstrap: installing the npm packages of tests/browser"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# shellcheck source=scripts/env.sh
. scripts/env.sh
if ! command -v cargo >/dev/null 2>&1; then
    echo "bootstrap: installing the Rust toolchain (rustup, stable, with rustfmt and clippy)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --default-toolchain stable --component rustfmt,clippy
    . "$HOME/.cargo/env"
fi

#!/usr/bin/env bash
# Install Debian's chromium (and a basic font for screenshots) for the browser tests.
#
# Idempotent: does nothing when /usr/bin/chromium and the font are already there.
# Never downloads a browser through `playwright install`: the Playwright python
# package drives the system chromium via executable_path=/usr/bin/chromium.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
FONT_DIR=/usr/share/fonts/truetype/dejavu

need=()
[ -x "$CHROMIUM" ] || need+=(chromium)
[ -d "$FONT_DIR" ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
    echo "install_browser: chromium already at $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

# Without root or apt-get we cannot install: the browser tests then skip, except
# under CI=true, where they must run, so that is an error.
cannot_install() {
    echo "install_browser: $1" >&2
    if [ -x "$CHROMIUM" ]; then
        echo "install_browser: continuing without fonts-dejavu-core (screenshots may use another font)" >&2
        exit 0
    fi
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    echo "install_browser: continuing; the browser tests will be skipped" >&2
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    cannot_install "missing ${need[*]}; run as root (or: sudo apt-get install -y --no-install-recommends ${need[*]})"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    cannot_install "apt-get not found; install chromium at $CHROMIUM by hand"
fi

export DEBIAN_FRONTEND=noninteractive
# One `apt-get update` per run, only when something has to be installed.
apt-get update
apt-get install -y --no-install-recommends "${need[@]}"

if [ ! -x "$CHROMIUM" ]; then
    echo "install_browser: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "install_browser: installed ${need[*]} ($("$CHROMIUM" --version 2>/dev/null || true))"

#!/usr/bin/env bash
# Install headless Chromium and poppler-utils (Debian packages) for the browser tests
# of maps and dossiers and the PDF text checks.
# Does nothing when chromium is already on PATH. Needs root (CI containers run as root).
set -euo pipefail

have_browser() {
    { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } \
        && command -v pdftotext >/dev/null 2>&1
}

if have_browser; then
    echo "install_browser: $(command -v chromium || command -v chromium-browser) already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_browser: need root (or sudo) to install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-noto-cjk poppler-utils

if ! have_browser; then
    echo "install_browser: chromium still missing after apt-get install" >&2
    exit 1
fi
echo "install_browser: installed $(chromium --version 2>/dev/null || true)"

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

bash "$(dirname "$0")/apt_install.sh" install_browser \
    chromium chromium-driver fonts-noto-cjk poppler-utils

if ! have_browser; then
    echo "install_browser: chromium still missing after apt-get install" >&2
    exit 1
fi
echo "install_browser: installed $(chromium --version 2>/dev/null || true)"

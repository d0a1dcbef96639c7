#!/usr/bin/env bash
# Install LibreOffice without its GUI (Debian packages) for the tests that print
# workbooks, review records and reports to PDF.
# Does nothing when soffice is already on PATH. Needs root (CI containers run as root).
set -euo pipefail

if command -v soffice >/dev/null 2>&1; then
    echo "install_office: $(command -v soffice) already installed"
    exit 0
fi

bash "$(dirname "$0")/apt_install.sh" install_office \
    libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk poppler-utils

if ! command -v soffice >/dev/null 2>&1; then
    echo "install_office: soffice still missing after apt-get install" >&2
    exit 1
fi
echo "install_office: installed $(soffice --version 2>/dev/null || true)"

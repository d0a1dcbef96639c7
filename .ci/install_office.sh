#!/usr/bin/env bash
# Install LibreOffice without its GUI (Debian packages) for the tests that print
# workbooks and review records to PDF, and for the .docx reports.
# Does nothing when soffice is already on PATH. Needs root (CI containers run as root).
set -euo pipefail

if command -v soffice >/dev/null 2>&1; then
    echo "install_office: $(command -v soffice) already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_office: need root (or sudo) to install LibreOffice" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk poppler-utils

if ! command -v soffice >/dev/null 2>&1; then
    echo "install_office: soffice still missing after apt-get install" >&2
    exit 1
fi
echo "install_office: installed $(soffice --version 2>/dev/null || true)"

#!/usr/bin/env bash
# Install Debian packages: apt_install.sh WHAT PACKAGE... (WHAT names them in messages).
# Needs root, or sudo (CI containers run as root).
set -euo pipefail
what=$1
shift

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "$what: need root (or sudo) to install $*" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "$@"

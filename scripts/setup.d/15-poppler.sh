#!/usr/bin/env bash
# poppler-utils' pdftotext: the HTML report's print test reads the text of the printed PDF.
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends poppler-utils
pdftotext -v

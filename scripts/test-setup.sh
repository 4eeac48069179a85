#!/usr/bin/env bash
# Installs what the tests need beyond the Python packages: each scripts/setup.d/*.sh is
# idempotent (it checks before it installs) and keeps heavy downloads in a cache outside the clone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export AUDITOR_TEST_CACHE="${AUDITOR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditor-test}"
mkdir -p "$AUDITOR_TEST_CACHE"
shopt -s nullglob
for step in "$here"/setup.d/*.sh; do
  echo "== test setup: $(basename "$step")"
  bash "$step"
done

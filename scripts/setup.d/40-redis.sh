#!/usr/bin/env bash
# Redis for the distributed-scan tests (Celery broker): Debian's server binary only. No service is
# started here; the tests run their own throw-away server on 127.0.0.1.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis: already installed ($(redis-server --version | cut -d' ' -f3))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
command -v redis-server

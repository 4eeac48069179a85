#!/usr/bin/env bash
# PostgreSQL for the scan-history tests: Debian's server binaries only. No cluster is created and
# no service is started here; the tests run their own throw-away cluster on 127.0.0.1.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "postgresql: already installed ($(ls -d /usr/lib/postgresql/*/bin | head -n1))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Keep the package from creating and starting its default cluster.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/auditor-tests.conf >/dev/null

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls -d /usr/lib/postgresql/*/bin/initdb

#!/usr/bin/env bash
# Virtualenvs with the real ML servers the endpoint tests start (Jupyter, MLflow, Ray), apart
# from the auditor's own environment. Each lives under $AUDITOR_TEST_CACHE/venvs/<name>-<pins>
# and is reused while its pinned versions stay the same; a ".complete" marker is written only
# after a successful install, so a half-finished one is redone.
set -euo pipefail
cache="${AUDITOR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditor-test}"
python="${AUDITOR_SERVICE_PYTHON:-python3}"
mkdir -p "$cache/venvs"

# name|pip requirements (the directory name is derived from the pins)
services=(
  "jupyter|jupyter_server==2.21.1 notebook==7.6.5 jupyterlab==4.6.6"
  "mlflow|mlflow[auth]==3.17.2"
  "ray|ray[default]==2.60.0"
)

install_one() {
  local name="$1" reqs="$2"
  local key
  key="$(echo "$reqs" | tr ' []=' '_+' | tr -s '_' | tr -d '+')"
  local dir="$cache/venvs/$name-$key"
  if [[ -f "$dir/.complete" ]]; then
    echo "   $name: cached ($dir)"
    return 0
  fi
  echo "   $name: installing $reqs into $dir"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  # shellcheck disable=SC2086
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check $reqs
  touch "$dir/.complete"
  # tests find the venv through this stable link, whatever the pins are
  ln -sfn "$dir" "$cache/venvs/$name"
}

pids=()
for entry in "${services[@]}"; do
  install_one "${entry%%|*}" "${entry#*|}" &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do
  wait "$pid" || rc=1
done
exit $rc

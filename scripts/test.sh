#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then runs pytest.
# With pytest-xdist (a test extra) the suite runs on one worker per core (-n auto;
# LINKRULES_TEST_WORKERS=2 sets the number), unless the arguments choose: -n N,
# --numprocesses, or -p no:xdist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PYTHON=${PYTHON:-python3}
args=("$@")
chosen=0
for arg in "$@"; do
  case "$arg" in
    -n|-n*|--numprocesses|--numprocesses=*|no:xdist|-pno:xdist) chosen=1 ;;
  esac
done
if [ "$chosen" = 0 ] && "$PYTHON" -c "import xdist" 2>/dev/null; then
  args=(-n "${LINKRULES_TEST_WORKERS:-auto}" "${args[@]}")
fi
exec "$PYTHON" -m pytest "${args[@]}"

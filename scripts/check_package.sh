#!/usr/bin/env bash
# Build the wheel and sdist as a release does, check them as PyPI will
# (`twine check --strict`), then install the wheel into a fresh virtualenv and
# run both entry points on the bundled example site: the `linkrules` command
# and the pytest plugin must each find exactly its planted failures (exit 1).
# CI runs this on every push (.github/workflows/ci.yml, job "package"), and the
# release workflow publishes the files it checked.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

"$PYTHON" -m pip install --quiet --disable-pip-version-check build twine
rm -rf dist
"$PYTHON" -m build --outdir dist . >/dev/null
"$PYTHON" -m twine check --strict dist/*

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check dist/*.whl

planted=$(grep -cv '^\(#\|$\)' example-rules/blog/expected-failures.txt)
cd example-rules/blog
status=0
lines=$("$venv/bin/linkrules" check -q --render never) || status=$?
found=$(printf '%s\n' "$lines" | grep -c ' ' || true)
if [ "$status" != 1 ] || [ "$found" != "$planted" ]; then
  echo "check_package: the installed linkrules command exited $status with $found failure line(s), expected 1 and $planted:" >&2
  printf '%s\n' "$lines" >&2
  exit 1
fi
status=0
"$venv/bin/python" -m pytest --linkrules --linkrules-render=never -q -p no:cacheprovider >/dev/null || status=$?
if [ "$status" != 1 ]; then
  echo "check_package: pytest --linkrules with the installed wheel exited $status, expected 1 (the planted failures)" >&2
  exit 1
fi
echo "check_package: $(cd ../.. && ls dist | tr '\n' ' ')built, twine check passed, the installed wheel finds the $planted planted failures"

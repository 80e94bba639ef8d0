#!/usr/bin/env bash
# Install everything, run `pytest --linkrules` on the example blog, and check that
# exactly the planted pages failed (example-rules/blog/expected-failures.txt).
# Exit 0 when the outcome is exactly the expected one; otherwise say what differs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
EXAMPLE=example-rules/blog

bash scripts/install.sh

report_dir=$(mktemp -d)
trap 'rm -rf "$report_dir"' EXIT

echo "==> cd $EXAMPLE && pytest --linkrules"
set +e
(cd "$EXAMPLE" && "$PYTHON" -m pytest --linkrules -p no:cacheprovider --junitxml="$report_dir/junit.xml")
status=$?
set -e

echo
echo "==> checking the outcome against $EXAMPLE/expected-failures.txt"
"$PYTHON" - "$status" "$report_dir/junit.xml" "$EXAMPLE/expected-failures.txt" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

status, junit, expected_file = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
expected = {
    line.strip()
    for line in expected_file.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
}

if status != 1:
    meaning = {0: "every test passed, but the example has planted problems that must fail",
               2: "the run was interrupted", 3: "pytest hit an internal error",
               4: "pytest reported a usage error (bad config?)", 5: "no tests were collected"}
    print(f"demo: FAILED: pytest exited with status {status} ({meaning.get(status, 'unexpected status')}); expected 1 (some tests failed)")
    sys.exit(1)
if not junit.exists():
    print(f"demo: FAILED: pytest wrote no report to {junit}")
    sys.exit(1)

failed, passed = set(), set()
for case in ET.parse(junit).iter("testcase"):
    node_id = f"{case.get('classname')}::{case.get('name')}"
    if case.find("failure") is not None or case.find("error") is not None:
        failed.add(node_id)
    elif case.find("skipped") is None:
        passed.add(node_id)

missing, unexpected = sorted(expected - failed), sorted(failed - expected)
if missing or unexpected:
    print("demo: FAILED: the failing tests are not exactly the planted ones")
    for node_id in missing:
        print(f"  expected to fail, but did not: {node_id}")
    for node_id in unexpected:
        print(f"  failed, but was not planted:   {node_id}")
    sys.exit(1)
print(f"demo: OK: exactly the {len(expected)} planted pages failed; {len(passed)} other items passed")
PY

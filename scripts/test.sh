#!/usr/bin/env bash
# Runs the test suite on a fresh machine: installs the system packages the package links
# against when they are missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_system_packages
# Serially: a few tests time kernels against each other (A/B), and tests running beside them
# would be noise they need not tolerate.
swift test --no-parallel "$@"

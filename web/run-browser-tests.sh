#!/usr/bin/env bash
# Runs the dashboard's tests: JS unit tests (node --test) and the end-to-end browser tests in
# Debian's Chromium driven by playwright-core. Called by scripts/test; usable on its own.
# Needs: node 20+, npm, /usr/bin/chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x "${JIC_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "error: ${JIC_CHROMIUM:-/usr/bin/chromium} is missing: apt-get install -y chromium" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi

echo "==> dashboard test server and jic (for the tests against a real server)"
cargo build --quiet --locked -p jic-dashboard --example dashboard_serve
# On its own, as users build it: `target/debug/jic` is then the binary with today's `web/src`
# embedded (a build unified with other packages' features is a different artifact).
cargo build --quiet --locked -p jic

echo "==> web unit tests"
node --test test-unit/

echo "==> web browser tests (Chromium)"
node --test --test-concurrency=1 tests/

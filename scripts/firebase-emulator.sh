#!/usr/bin/env bash
# The Firebase Auth emulator for the tests: firebase-tools (pinned in
# tests/support/firebase/package.json + package-lock.json) installed into
# tests/support/firebase/node_modules, never globally.
#   scripts/firebase-emulator.sh install   install if missing or out of date (idempotent)
#   scripts/firebase-emulator.sh bin       print the path of the firebase CLI
# Needs Node.js >= 20 and npm (scripts/system-deps.sh). The Auth emulator itself is
# JavaScript: it does NOT need Java (only the Firestore/Database/Pub/Sub/Storage
# emulators do), so no JDK is required for these tests.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/support/firebase"
bin="$dir/node_modules/.bin/firebase"
stamp="$dir/node_modules/.venuebus-installed"

case "${1:-install}" in
  install)
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
      echo "firebase-emulator: node/npm missing; run scripts/system-deps.sh" >&2
      exit 1
    fi
    if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package.json" ] \
       && [ "$stamp" -nt "$dir/package-lock.json" ]; then
      exit 0
    fi
    echo "firebase-emulator: installing firebase-tools into $dir/node_modules"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    touch "$stamp"
    ;;
  bin)
    echo "$bin"
    ;;
  *)
    echo "usage: $0 install|bin" >&2
    exit 2
    ;;
esac

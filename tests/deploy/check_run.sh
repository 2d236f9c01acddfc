#!/usr/bin/env bash
# scripts/run as a new user meets it, on the build under test: it must start nginx and
# imgcache-fcgi, pass its health check, and serve a demo page whose every image loads in
# headless Chromium (scripts/run --check), then stop; with its port taken it must say why
# and exit non-zero instead of printing a banner.
# Usage: check_run.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fail() { echo "check_run: $*" >&2; exit 1; }

port=$(free_port)
BUILD_DIR=$build RUN_DIR=$work/run PORT=$port bash "$source_dir/scripts/run" --check >"$work/out" 2>&1 ||
  fail "scripts/run --check failed: $(cat "$work/out")"
grep -q "the demo page and its 6 images load" "$work/out" || fail "unexpected output: $(cat "$work/out")"
[ -s "$work/run/demo.png" ] || fail "no screenshot of the demo page"
cp "$work/run/demo.png" "$PWD/demo.png" 2>/dev/null || true

# The port taken: the cause, a non-zero status, no banner.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
holder=$!
trap 'kill $holder 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5
if BUILD_DIR=$build RUN_DIR=$work/run PORT=$port timeout 60 bash "$source_dir/scripts/run" >"$work/out" 2>&1; then
  fail "scripts/run succeeded with its port taken"
fi
grep -q "imgcache is running" "$work/out" && fail "printed the banner with its port taken"
grep -q "scripts/run: nginx exited at start\|scripts/run: no answer" "$work/out" ||
  fail "did not say what failed: $(cat "$work/out")"
grep -q "Address already in use" "$work/out" || fail "did not show nginx's error: $(cat "$work/out")"
echo "check_run: ok"

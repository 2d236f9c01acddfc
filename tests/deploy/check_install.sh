#!/usr/bin/env bash
# Installs the build into a DESTDIR and checks the tree a package would ship: both
# programs (working), the three man pages, the sample config and web server examples,
# the systemd units (verified with systemd-analyze when it is there) and the cron example.
# Usage: check_install.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" cmake --install "$build" --prefix /usr >/dev/null

fail() { echo "check_install: $*" >&2; exit 1; }
for file in \
  usr/bin/imgcache \
  usr/sbin/imgcache-fcgi \
  usr/share/man/man1/imgcache.1 \
  usr/share/man/man5/imgcache.conf.5 \
  usr/share/man/man8/imgcache-fcgi.8 \
  usr/share/imgcache/examples/imgcache.conf.example \
  usr/share/imgcache/examples/nginx-imgcache-site.conf \
  usr/share/imgcache/examples/apache-imgcache-site.conf \
  usr/share/imgcache/examples/nginx-imgcache-microcache.conf \
  usr/share/imgcache/examples/nginx-imgcache-cluster.conf \
  usr/share/imgcache/examples/imgcache.cron \
  usr/lib/systemd/system/imgcache-fcgi.service \
  usr/lib/systemd/system/imgcache-fcgi.socket; do
  [ -e "$root/$file" ] || fail "missing $file"
done
[ -x "$root/usr/bin/imgcache" ] || fail "imgcache is not executable"
"$root/usr/bin/imgcache" --help >/dev/null || fail "installed imgcache does not run"
"$root/usr/bin/imgcache" --config "$root/usr/share/imgcache/examples/imgcache.conf.example" \
  config check >/dev/null || fail "the installed sample config does not pass config check"
"$root/usr/sbin/imgcache-fcgi" --help >/dev/null || fail "installed imgcache-fcgi does not run"

if command -v systemd-analyze >/dev/null; then
  # Verify the units as installed, pointing ExecStart at the installed binary.
  units=$(mktemp -d)
  trap 'rm -rf "$root" "$units"' EXIT
  sed "s|/usr/sbin/imgcache-fcgi|$root/usr/sbin/imgcache-fcgi|" \
    "$root/usr/lib/systemd/system/imgcache-fcgi.service" >"$units/imgcache-fcgi.service"
  cp "$root/usr/lib/systemd/system/imgcache-fcgi.socket" "$units/"
  out=$(systemd-analyze verify --man=no "$units/imgcache-fcgi.socket" "$units/imgcache-fcgi.service" 2>&1) ||
    fail "systemd-analyze verify failed: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
  echo "check_install: systemd-analyze not installed; units not verified"
fi
echo "install tree ok"

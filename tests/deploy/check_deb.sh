#!/usr/bin/env bash
# Builds the Debian package (cpack -G DEB), installs it on this machine with dpkg -i,
# checks what it installed (programs, man pages, every example, the systemd units, the
# imgcache user, /var/cache/imgcache, /etc/imgcache/imgcache.conf), then serves a request
# through it as systemd would: the service's ExecStart, as its User, on a socket handed
# over on standard input as imgcache-fcgi.socket does, behind nginx with the installed
# example site. Purges the package at the end. Needs root (skipped otherwise).
# Usage: check_deb.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build=$(cd "$2" && pwd)
fail() {
  echo "check_deb: $*" >&2
  exit 1
}
if [ "$(id -u)" -ne 0 ]; then
  echo "check_deb: not root; the package is not installed here (skipped)"
  exit 0
fi
if dpkg-query -W -f='${Status}' imgcache 2>/dev/null | grep -q "install ok installed"; then
  fail "an imgcache package is installed already; not touching it"
fi
# The package's purge removes these: never someone's own config or cache.
for path in /etc/imgcache /var/cache/imgcache; do
  [ ! -e "$path" ] || fail "$path exists already; not installing the package over it"
done

work=$(mktemp -d)
pids=()
stop_servers() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_servers
  dpkg --purge imgcache >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" >cpack.log 2>&1) ||
  fail "cpack failed: $(cat "$work/cpack.log")"
deb=$(ls "$work"/imgcache_*.deb)
dpkg-deb --field "$deb" Depends | grep -q libgraphicsmagick ||
  fail "Depends does not name the libraries: $(dpkg-deb --field "$deb" Depends)"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i failed: $(cat "$work/dpkg.log")"

examples=/usr/share/imgcache/examples
for file in /usr/bin/imgcache /usr/sbin/imgcache-fcgi \
  /usr/share/man/man1/imgcache.1 /usr/share/man/man5/imgcache.conf.5 \
  /usr/share/man/man8/imgcache-fcgi.8 \
  "$examples"/imgcache.conf.example "$examples"/imgcache.cron \
  "$examples"/nginx-imgcache-site.conf "$examples"/nginx-imgcache-microcache.conf \
  "$examples"/nginx-imgcache-cluster.conf "$examples"/apache-imgcache-site.conf \
  /usr/lib/systemd/system/imgcache-fcgi.service /usr/lib/systemd/system/imgcache-fcgi.socket \
  /etc/imgcache/imgcache.conf; do
  [ -e "$file" ] || fail "the package did not install $file"
done
getent passwd imgcache >/dev/null || fail "no imgcache user"
[ "$(stat -c %U "/var/cache/imgcache")" = imgcache ] || fail "/var/cache/imgcache is not imgcache's"
[ "$(stat -c %a:%G /etc/imgcache/imgcache.conf)" = 640:imgcache ] ||
  fail "/etc/imgcache/imgcache.conf is $(stat -c %a:%G /etc/imgcache/imgcache.conf), not 640:imgcache"
imgcache --config /etc/imgcache/imgcache.conf config check >/dev/null ||
  fail "the installed config does not pass config check"

# The service as systemd starts it.
unit=/usr/lib/systemd/system/imgcache-fcgi.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
if [ -z "$exec_start" ] || [ "$user" != imgcache ]; then fail "unexpected unit: $(cat "$unit")"; fi
read -r -a command <<<"$exec_start"

origin="$work/origin"
mkdir -p "$origin"
chmod 755 "$work" "$origin"
cp "$source_dir/tests/fuzz/corpus/fuzz_image_decode/progressive.jpg" "$origin/photo.jpg"
chmod 644 "$origin/photo.jpg"
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
fcgi_port=$(free_port)
front_port=$(free_port)
# The socket unit's part: a listening socket, handed over on standard input.
IMGCACHE_ORIGIN="file://$origin" python3 -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
os.dup2(s.fileno(), 0)
os.execvp(sys.argv[2], sys.argv[2:])
' "$fcgi_port" setpriv --reuid="$user" --regid="$user" --init-groups "${command[@]}" \
  2>"$work/responder.log" &
pids+=($!)

site=$(sed -e "s|@LISTEN@|127.0.0.1:$front_port|" -e "s|@FCGI@|127.0.0.1:$fcgi_port|" \
  -e "s|@CACHE_DIR@|/var/cache/imgcache|" "$examples/nginx-imgcache-site.conf")
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; fastcgi_temp_path $work/nginx/fcgi;
  proxy_temp_path $work/nginx/proxy; uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include /etc/nginx/mime.types;
$site
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)

url="http://127.0.0.1:$front_port/image/120x-/photo.jpg"
for _ in $(seq 100); do
  grep -q "starting:" "$work/responder.log" &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$front_port/")" != 000 ] && break
  sleep 0.1
done
status=$(curl -s -o "$work/first.jpg" -D "$work/first.headers" -w '%{http_code}' "$url")
[ "$status" = 200 ] || fail "GET $url: $status; responder log: $(cat "$work/responder.log")"
grep -qi '^x-cache: MISS' "$work/first.headers" || fail "first answer not a MISS: $(cat "$work/first.headers")"
[ "$(gm identify -format '%w' "$work/first.jpg")" = 120 ] || fail "the thumbnail is not 120 wide"
curl -s -D "$work/second.headers" -o /dev/null "$url"
grep -qi '^x-cache: HIT' "$work/second.headers" || fail "second answer not a HIT: $(cat "$work/second.headers")"
entry=$(find /var/cache/imgcache -type f -name '*.meta' | head -1)
[ -n "$entry" ] || fail "no entry in /var/cache/imgcache"
[ "$(stat -c %U "$entry")" = imgcache ] || fail "the entry is not the imgcache user's"

stop_servers
dpkg --purge imgcache >"$work/dpkg.log" 2>&1 || fail "dpkg --purge failed: $(cat "$work/dpkg.log")"
for file in /usr/sbin/imgcache-fcgi /etc/imgcache/imgcache.conf /var/cache/imgcache; do
  [ ! -e "$file" ] || fail "purge left $file behind"
done
echo "debian package ok: $(basename "$deb")"

#!/usr/bin/env bash
# End-to-end tests of the `imgcache` command-line tool (SPEC §4, §8) against a file://
# origin in a temporary directory: warm, inspect, stats, purge, prune, resize, sign,
# verify and config, their output and their exit codes (0 ok, 1 an item failed, 2 usage
# or config error). Usage: cli_test.sh PATH/TO/imgcache
# Needs GraphicsMagick's `gm` (test images), libwebp's `webpmux` (Debian's webp), libavif's
# `avifdec` (Debian's libavif-bin), libjxl's `djxl` (libjxl-tools), libheif's `heif-enc`
# (libheif-examples) and md5sum.
# Stops at the first failure.
set -euo pipefail

if [[ $# -ne 1 || ! -x $1 ]]; then
  echo "usage: $0 PATH/TO/imgcache" >&2
  exit 2
fi
IMGCACHE=$1
for tool in gm webpmux avifdec djxl heif-enc md5sum cmp; do
  command -v "$tool" >/dev/null || { echo "cli_test: $tool not found" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/imgcache-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ORIGIN_DIR=$WORK/origin
CACHE_DIR=$WORK/cache
OUT=$WORK/stdout
ERR=$WORK/stderr
mkdir -p "$ORIGIN_DIR/sub"

# Only this test's settings: none from the caller's environment or /etc/imgcache.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^IMGCACHE_' || true)
: >"$WORK/empty.conf"
export IMGCACHE_CONFIG=$WORK/empty.conf
export IMGCACHE_ORIGIN=file://$ORIGIN_DIR
export IMGCACHE_CACHE_DIR=$CACHE_DIR

STEP="setup"
fail() {
  echo "FAIL [$STEP]: $*" >&2
  for stream in "$OUT" "$ERR"; do
    if [[ -s $stream ]]; then
      echo "--- ${stream##*/} of the last command:" >&2
      head -c 4000 "$stream" >&2
    fi
  done
  exit 1
}
step() {
  STEP=$1
  echo "== $STEP"
}

# run [--stdin FILE] ARGS...: runs imgcache, stdout → $OUT, stderr → $ERR, exit code → $RC.
run() {
  local input=/dev/null
  if [[ ${1-} == --stdin ]]; then
    input=$2
    shift 2
  fi
  set +e
  "$IMGCACHE" "$@" <"$input" >"$OUT" 2>"$ERR"
  RC=$?
  set -e
}
expect_rc() {
  [[ $RC -eq $1 ]] || fail "expected exit code $1, got $RC"
}
expect_stdout_line() {
  grep -qxF -- "$1" "$OUT" || fail "expected the line '$1' on stdout"
}
expect_stdout_has() {
  grep -qF -- "$1" "$OUT" || fail "expected '$1' on stdout"
}
expect_stderr_has() {
  grep -qF -- "$1" "$ERR" || fail "expected '$1' on stderr"
}
# The first field of that name in the one-line JSON object on stdout (top-level fields come
# before nested ones): a string without escapes, a number or a boolean.
json_field() {
  local text re
  text=$(<"$OUT")
  re="\"$1\": (\"([^\"]*)\"|([^,}]*))"
  if [[ $text =~ $re ]]; then echo "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"; fi
}
expect_json() {
  local actual
  actual=$(json_field "$1")
  [[ $actual == "$2" ]] || fail "expected JSON field $1 = '$2', got '$actual'"
}
# The nginx-layout (levels=1:2) cache file of a key.
cache_path() {
  local hex
  hex=$(printf '%s' "$1" | md5sum | cut -c1-32)
  echo "$CACHE_DIR/${hex:31:1}/${hex:29:2}/$hex"
}
dimensions() {
  gm identify -format '%wx%h' "$1" 2>/dev/null || true
}
cached() {
  run inspect "$1"
  [[ $RC -eq 0 ]]
}
expect_cached() {
  cached "$1" || fail "expected $1 to be in the cache (inspect exit code $RC)"
}
expect_not_cached() {
  if cached "$1"; then fail "expected $1 not to be in the cache"; fi
  [[ $RC -eq 1 ]] || fail "inspect of an uncached $1: expected exit code 1, got $RC"
}
expect_entries() {
  run stats --json
  expect_rc 0
  expect_json entries "$1"
}

gm convert -size 800x600 gradient:red-blue "$ORIGIN_DIR/a.jpg"
gm convert -size 600x800 gradient:green-yellow "$ORIGIN_DIR/b.jpg"
gm convert -size 400x400 gradient:white-black "$ORIGIN_DIR/sub/a.jpg"
echo "this is not an image" >"$ORIGIN_DIR/notes.txt"

step "warm two URIs"
run warm /image/100x100/a.jpg /image/50x50/a.jpg
expect_rc 0
expect_stdout_line "warm: 2 items, 2 warmed, 0 fresh, 0 failed"

step "warm again: fresh"
run warm /image/100x100/a.jpg /image/50x50/a.jpg
expect_rc 0
expect_stdout_line "warm: 2 items, 0 warmed, 2 fresh, 0 failed"

step "warm a missing source"
run warm /image/100x100/missing.jpg /image/100x100/a.jpg
expect_rc 1
expect_stdout_line "warm: 2 items, 0 warmed, 1 fresh, 1 failed"
expect_stderr_has "404"
expect_stderr_has "/image/100x100/missing.jpg"

step "warm - reads URIs from stdin"
printf '%s\n' "# comment lines are skipped" /image/100x100/b.jpg \
  "/image/30x30,crop/a.jpg" /image/100x100/sub/a.jpg >"$WORK/uris"
run --stdin "$WORK/uris" warm -
expect_rc 0
expect_stdout_line "warm: 3 items, 3 warmed, 0 fresh, 0 failed"

step "warmed entry at the nginx-layout path"
KEY_A100="file://$ORIGIN_DIR 100x100 /a.jpg"
PATH_A100=$(cache_path "$KEY_A100")
[[ -f $PATH_A100 ]] || fail "no cache file at $PATH_A100 (md5 of '$KEY_A100')"
[[ -f $PATH_A100.meta ]] || fail "no meta file beside $PATH_A100"
[[ $(dimensions "$PATH_A100") == 100x75 ]] ||
  fail "$PATH_A100 decodes to '$(dimensions "$PATH_A100")', expected 100x75"
PATH_A50=$(cache_path "file://$ORIGIN_DIR 50x50 /a.jpg")
[[ $(dimensions "$PATH_A50") == 50x37 ]] ||
  fail "$PATH_A50 decodes to '$(dimensions "$PATH_A50")', expected 50x37"
PATH_CROP=$(cache_path "file://$ORIGIN_DIR 30x30,crop /a.jpg")
[[ $(dimensions "$PATH_CROP") == 30x30 ]] ||
  fail "$PATH_CROP decodes to '$(dimensions "$PATH_CROP")', expected 30x30"

step "inspect --json"
run inspect --json /image/100x100/a.jpg
expect_rc 0
expect_json key "$KEY_A100"
expect_json path "$PATH_A100"
expect_json width 100
expect_json height 75
expect_json content_type image/jpeg
expect_json size "$(stat -c %s "$PATH_A100")"
# Every time in one form: ISO 8601, UTC.
python3 - "$OUT" <<'PY' || fail "inspect --json times: $(cat "$OUT")"
import json, re, sys
entry = json.load(open(sys.argv[1]))
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
times = [entry[k] for k in ("created", "last_read", "validated", "expires")]
times += [entry["origin_last_modified"]] if entry["origin_last_modified"] else []
sys.exit(not all(isinstance(t, str) and iso.match(t) for t in times))
PY
# A full URL names the same entry; so does the cache file itself.
run inspect --json "https://img.example.com/image/100x100/a.jpg?auth=ignored"
expect_rc 0
expect_json path "$PATH_A100"
run inspect --json "$PATH_A100"
expect_rc 0
expect_json key "$KEY_A100"

step "inspect --webp names the entry a client that accepts WebP gets"
# auto_webp is off: such a client gets the plain entry, not a variant nobody made.
run inspect --json --webp /image/100x100/a.jpg
expect_rc 0
expect_json key "$KEY_A100"

step "resize gives the warmed bytes"
run resize -s 100x100 "$ORIGIN_DIR/a.jpg" "$WORK/resized.jpg"
expect_rc 0
cmp -s "$WORK/resized.jpg" "$PATH_A100" ||
  fail "imgcache resize -s 100x100 differs from the cache file of /image/100x100/a.jpg"

step "inspect of an uncached URI"
run inspect /image/77x77/a.jpg
expect_rc 1
expect_stderr_has "not in the cache"

step "stats"
expect_entries 5
# A body without its meta (a write cut short) is not an entry.
mkdir -p "$CACHE_DIR/0/00"
echo "partial" >"$CACHE_DIR/0/00/00000000000000000000000000000000"
expect_entries 5
rm "$CACHE_DIR/0/00/00000000000000000000000000000000"

step "purge one URI"
run purge /image/50x50/a.jpg
expect_rc 0
expect_stdout_line "purged 1 entry"
expect_not_cached /image/50x50/a.jpg
[[ ! -e $PATH_A50 && ! -e $PATH_A50.meta ]] || fail "purge left files of $PATH_A50"
expect_entries 4

step "warm --accept makes each negotiated variant; purge of the URI removes them all"
export IMGCACHE_AUTO_WEBP=on IMGCACHE_AUTO_AVIF=on
run warm /image/60x60/a.jpg
expect_rc 0
run warm --webp /image/60x60/a.jpg
expect_rc 0
run warm --accept "image/avif,image/webp,*/*" /image/60x60/a.jpg
expect_rc 0
run inspect --json --accept "image/avif,image/webp,*/*" /image/60x60/a.jpg
expect_rc 0
expect_json key "file://$ORIGIN_DIR 60x60 auto-avif-webp /a.jpg"
expect_json content_type image/avif
avifdec "$(json_field path)" "$WORK/variant.png" >/dev/null || fail "avifdec cannot read it"
run inspect --json --webp /image/60x60/a.jpg
expect_json content_type image/webp
# Made under another auto_order, and under auto_avif alone: purge still finds them.
IMGCACHE_AUTO_ORDER=webp run warm --accept "image/avif,image/webp" /image/60x60/a.jpg
expect_rc 0
IMGCACHE_AUTO_WEBP=off run warm --accept image/avif /image/60x60/a.jpg
expect_rc 0
expect_entries 9
unset IMGCACHE_AUTO_WEBP IMGCACHE_AUTO_AVIF
run purge /image/60x60/a.jpg
expect_rc 0
expect_stdout_line "purged 5 entries"
expect_entries 4

step "purge --source"
run purge --source a.jpg --json
expect_rc 0
expect_json removed_entries 2
expect_json failed_entries 0
expect_not_cached /image/100x100/a.jpg
expect_not_cached "/image/30x30,crop/a.jpg"
expect_cached /image/100x100/b.jpg
expect_cached /image/100x100/sub/a.jpg  # another a.jpg, in another directory
expect_entries 2

step "prune --dry-run removes nothing"
run prune --max-size 1 --dry-run --json
expect_rc 0
expect_json dry_run true
expect_json removed_entries 2
expect_json kept_entries 0
expect_entries 2
expect_cached /image/100x100/b.jpg
run prune --max-size 1 --dry-run --list
expect_rc 0
[[ $(grep -cE '^[0-9a-f]/[0-9a-f]{2}/[0-9a-f]{32} [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [0-9]+$' "$OUT") -eq 2 ]] ||
  fail "prune --dry-run --list did not list the two entries: $(cat "$OUT")"
run inspect --json /image/100x100/b.jpg
grep -q "$(json_field path | sed "s|^$CACHE_DIR/||") " <(run prune --max-size 1 --dry-run --list; cat "$OUT") ||
  fail "the listing does not name b.jpg's entry"
expect_entries 2

step "prune --max-size 1"
run prune --max-size 1 --json
expect_rc 0
expect_json dry_run false
expect_json removed_entries 2
expect_json kept_entries 0
expect_json kept_bytes 0
expect_entries 0
expect_not_cached /image/100x100/b.jpg

step "prune within the limits removes nothing"
run warm /image/100x100/a.jpg
expect_rc 0
run prune --json
expect_rc 0
expect_json removed_entries 0
expect_json kept_entries 1
expect_entries 1

step "a read-only cache: purge and warm fail and say why"
# As root the cache commands act as the owner of cache_dir, here nobody, who may not write
# in it; any other user is refused by the modes alone.
read_only_cache() {
  chmod -R a-w "$CACHE_DIR"
  if [[ $(id -u) -eq 0 ]]; then
    chmod 755 "$WORK" # nobody reaches the cache and the origin
    chown -R nobody "$CACHE_DIR"
  fi
}
writable_cache() {
  if [[ $(id -u) -eq 0 ]]; then chown -R root "$CACHE_DIR"; fi
  chmod -R u+w "$CACHE_DIR"
}
run warm /image/100x100/b.jpg
expect_rc 0
expect_entries 2
read_only_cache
run purge --all
expect_rc 1
expect_stdout_line "purged 0 entries"
expect_stderr_has "2 entries not removed"
expect_stderr_has "Permission denied"
run purge --source b.jpg
expect_rc 1
expect_stderr_has "1 entry not removed"
run purge /image/100x100/a.jpg
expect_rc 1
expect_stderr_has "Permission denied"
run warm /image/20x20/b.jpg
expect_rc 1
expect_stdout_line "warm: 1 items, 0 warmed, 0 fresh, 1 failed"
expect_stderr_has "FAIL 500 /image/20x20/b.jpg"
expect_stderr_has "Permission denied"
writable_cache
expect_entries 2
expect_cached /image/100x100/a.jpg
expect_cached /image/100x100/b.jpg
expect_not_cached /image/20x20/b.jpg

step "purge --all"
run warm /image/100x100/b.jpg /image/20x20/b.jpg
expect_rc 0
expect_entries 3
run purge --all
expect_rc 0
expect_stdout_line "purged 3 entries"
expect_entries 0
expect_not_cached /image/100x100/b.jpg

step "config check"
run config check
expect_rc 0
expect_stdout_line "config ok ($IMGCACHE_CONFIG)"
printf '# test config\norigin = file:///srv/images\nno_such_key = 1\n' >"$WORK/bad.conf"
run --config "$WORK/bad.conf" config check
expect_rc 2
expect_stderr_has "$WORK/bad.conf:3"
expect_stderr_has "no_such_key"
run --config "$WORK/bad.conf" config check --json
expect_rc 2
expect_json ok false
expect_json file "$WORK/bad.conf"
expect_stdout_has "$WORK/bad.conf:3"
run config check --json
expect_rc 0
expect_json ok true
printf 'cache_max_size = lots\n' >"$WORK/bad-value.conf"
run --config "$WORK/bad-value.conf" config check
expect_rc 2
expect_stderr_has "$WORK/bad-value.conf:1"

step "config check names every problem, each on an imgcache: line"
printf 'max_width = wide\nno key here\njpeg_quality = 500\nsign = md5\n' >"$WORK/bad-many.conf"
run --config "$WORK/bad-many.conf" config check
expect_rc 2
expect_stderr_has "imgcache: $WORK/bad-many.conf:1: bad value for max_width"
expect_stderr_has "imgcache: $WORK/bad-many.conf:2: expected key = value"
expect_stderr_has "imgcache: $WORK/bad-many.conf:3: bad value for jpeg_quality"
expect_stderr_has "imgcache: secret: required when sign is not none"
if grep -v '^imgcache: ' "$ERR" | grep -q .; then fail "an error line without the imgcache: prefix"; fi
run --config "$WORK/bad-many.conf" config check --json
expect_rc 2
python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["errors"]; sys.exit(len(e) != 4)' "$OUT" ||
  fail "expected 4 errors in the JSON: $(cat "$OUT")"

step "a secret in a file everyone can read is warned about"
printf 'sign = md5\nsecret = s3cret\n' >"$WORK/secret.conf"
chmod 644 "$WORK/secret.conf"
run --config "$WORK/secret.conf" config check
expect_rc 0
expect_stderr_has "holds a secret and is readable by everyone"
chmod 640 "$WORK/secret.conf"
run --config "$WORK/secret.conf" config check
expect_rc 0
if grep -q "readable by everyone" "$ERR"; then fail "warned about a file others cannot read"; fi

step "unknown subcommand"
run frobnicate
expect_rc 2
run
expect_rc 2

step "sign and verify"
run --sign md5 --secret x sign /image/100x100/a.jpg
expect_rc 0
SIGNED=$(head -n 1 "$OUT")
[[ $SIGNED == /image/100x100/a.jpg\?auth=* ]] || fail "unexpected signed URL '$SIGNED'"
if command -v openssl >/dev/null; then
  # nginx secure_link_md5 "$uri <secret>" (SPEC §3).
  TOKEN=$(printf '%s' '/image/100x100/a.jpg x' | openssl md5 -binary | openssl base64 |
    tr +/ -_ | tr -d =)
  [[ $SIGNED == "/image/100x100/a.jpg?auth=$TOKEN" ]] ||
    fail "signed URL '$SIGNED', expected token $TOKEN"
fi
run --sign md5 --secret x verify "$SIGNED"
expect_rc 0
run --sign md5 --secret x verify "https://img.example.com$SIGNED"
expect_rc 0
run --sign md5 --secret x verify "${SIGNED/100x100/200x200}"
expect_rc 1
run --sign md5 --secret y verify "$SIGNED"
expect_rc 1
run --sign md5 --secret x verify /image/100x100/a.jpg
expect_rc 1

step "resize of a file that is not an image"
run resize -s 100x100 "$ORIGIN_DIR/notes.txt" "$WORK/notes-out.jpg"
expect_rc 1
[[ ! -e $WORK/notes-out.jpg ]] || fail "a failed resize wrote $WORK/notes-out.jpg"

step "resize -f webp of an animated GIF: an animated WebP, as the server makes it"
gm convert -delay 10 -size 200x100 xc:red xc:green xc:blue "$ORIGIN_DIR/anim.gif"
run resize -s 50x50 -f webp "$ORIGIN_DIR/anim.gif" "$WORK/anim.webp"
expect_rc 0
webpmux -info "$WORK/anim.webp" >"$OUT" 2>"$ERR" || fail "webpmux cannot read $WORK/anim.webp"
expect_stdout_line "Canvas size: 50 x 25"
expect_stdout_line "Features present: animation"
expect_stdout_line "Number of frames: 3"
run warm "/image/50x50,webp/anim.gif"
expect_rc 0
run inspect --json "/image/50x50,webp/anim.gif"
expect_rc 0
cmp -s "$WORK/anim.webp" "$(json_field path)" ||
  fail "imgcache resize -s 50x50 -f webp differs from the cache file of /image/50x50,webp/anim.gif"

for coded in avif:avifdec jxl:djxl; do
  format=${coded%%:*} decoder=${coded#*:}
  step "resize -f $format: a still picture of the first frame, as the server makes it"
  run resize -s 50x50 -f "$format" "$ORIGIN_DIR/anim.gif" "$WORK/anim.$format"
  expect_rc 0
  expect_stderr_has "anim.$format: $format 50x25, $(stat -c %s "$WORK/anim.$format") bytes"
  "$decoder" "$WORK/anim.$format" "$WORK/anim-$format.png" >/dev/null 2>&1 ||
    fail "$decoder cannot read $WORK/anim.$format"
  [[ $(gm identify -format '%wx%h' "$WORK/anim-$format.png") == 50x25 ]] ||
    fail "$WORK/anim.$format does not decode to 50x25"
  run warm "/image/50x50,$format/anim.gif"
  expect_rc 0
  run inspect --json "/image/50x50,$format/anim.gif"
  expect_rc 0
  cmp -s "$WORK/anim.$format" "$(json_field path)" ||
    fail "imgcache resize -s 50x50 -f $format differs from the cache file of /image/50x50,$format/anim.gif"
done

step "a HEIC source: info names it, resize answers JPEG (HEIC is read, not written)"
gm convert -size 120x80 gradient:orange-navy -depth 8 "$WORK/photo.png"
heif-enc -q 60 "$WORK/photo.png" -o "$WORK/photo.heic" >/dev/null 2>&1 || fail "heif-enc failed"
run info "$WORK/photo.heic"
expect_rc 0
expect_stdout_line '{ "img" : { "width": 120, "height": 80, "type": "heic" } }'
run resize -s 60x60 "$WORK/photo.heic" "$WORK/photo-from-heic.jpg"
expect_rc 0
expect_stderr_has "photo-from-heic.jpg: jpeg 60x40"
run resize -s 60x60 -f heic "$WORK/photo.heic" "$WORK/photo.x"
expect_rc 2

step "info prints nginx image_filter size JSON"
run info "$ORIGIN_DIR/a.jpg"
expect_rc 0
expect_stdout_line '{ "img" : { "width": 800, "height": 600, "type": "jpeg" } }'
run --stdin "$ORIGIN_DIR/b.jpg" info -
expect_rc 0
expect_stdout_line '{ "img" : { "width": 600, "height": 800, "type": "jpeg" } }'
run info "$ORIGIN_DIR/notes.txt"
expect_rc 1

step "config print shows the effective values and hides secrets"
run --jpeg_quality 61 --sign md5 --secret s3cret config print
expect_rc 0
expect_stdout_line "origin = file://$ORIGIN_DIR"
expect_stdout_line "cache_dir = $CACHE_DIR"
expect_stdout_line "jpeg_quality = 61"
expect_stdout_line "webp_quality = 80"
expect_stdout_line "sign = md5"
expect_stdout_line "secret = (set)"
if grep -qF s3cret "$OUT"; then fail "config print shows the secret"; fi

step "sign --expires-at and verify of a live and an expired link"
run --sign md5 --secret x sign --expires-at 4102444800 /image/100x100/a.jpg
expect_rc 0
SIGNED=$(head -n 1 "$OUT")
[[ $SIGNED == "/image/100x100/a.jpg?auth="*"&expires=4102444800" ]] ||
  fail "unexpected signed URL '$SIGNED'"
if command -v openssl >/dev/null; then
  # nginx secure_link_md5 "$secure_link_expires$uri <secret>".
  TOKEN=$(printf '%s' '4102444800/image/100x100/a.jpg x' | openssl md5 -binary |
    openssl base64 | tr +/ -_ | tr -d =)
  [[ $SIGNED == "/image/100x100/a.jpg?auth=$TOKEN&expires=4102444800" ]] ||
    fail "signed URL '$SIGNED', expected token $TOKEN"
fi
run --sign md5 --secret x verify "$SIGNED"
expect_rc 0
expect_stdout_line "valid"
run --sign md5 --secret x verify "${SIGNED/expires=4102444800/expires=4102444801}"
expect_rc 1
expect_stderr_has "imgcache: invalid: token does not match"
run --sign hmac-sha256 --secret x sign --expires-at 1000000000 /image/100x100/a.jpg
expect_rc 0
run --sign hmac-sha256 --secret x verify "$(head -n 1 "$OUT")"
expect_rc 1
expect_stderr_has "imgcache: expired"
run --sign md5 --secret x sign --expires-at 4102444800 --expires 1h /image/100x100/a.jpg
expect_rc 2

step "sign - reads URIs from stdin"
printf '%s\n' /image/100x100/a.jpg "" "/image/30x30,crop/b.jpg" >"$WORK/to-sign"
run --sign md5 --secret x sign /image/100x100/a.jpg "/image/30x30,crop/b.jpg"
expect_rc 0
cp "$OUT" "$WORK/signed-args"
run --stdin "$WORK/to-sign" --sign md5 --secret x sign -
expect_rc 0
[[ $(wc -l <"$OUT") -eq 2 ]] || fail "expected 2 signed lines"
cmp -s "$OUT" "$WORK/signed-args" || fail "sign - differs from sign with the same URIs"
printf '%s\n' /image/100x100/a.jpg image/100x100/b.jpg >"$WORK/to-sign"
run --stdin "$WORK/to-sign" --sign md5 --secret x sign -
expect_rc 2

step "verify --json"
run --sign md5 --secret x sign /image/100x100/a.jpg
SIGNED=$(head -n 1 "$OUT")
run --sign md5 --secret x verify --json "$SIGNED"
expect_rc 0
expect_json valid true
run --sign md5 --secret y verify --json "$SIGNED"
expect_rc 1
expect_json valid false
expect_json reason "token does not match"

step "warm --json, and warm --via a web server that does not answer"
run warm --json /image/90x91/a.jpg /image/90x91/nothing-here.jpg
expect_rc 1
expect_json items 2
expect_json warmed 1
expect_json failed 1
DOWN_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run warm --via "http://127.0.0.1:$DOWN_PORT" /image/90x91/a.jpg /image/90x92/a.jpg
expect_rc 1
expect_stderr_has "the web server at http://127.0.0.1:$DOWN_PORT does not answer"
[[ $(grep -c "does not answer" "$ERR") -eq 1 ]] || fail "the front being down was said more than once"
if grep -q "origin" "$ERR"; then fail "a front that is down was reported as an origin error"; fi

step "sign refuses what the server would refuse, and says why"
run --sign md5 --secret x sign /image/100x100,bogus/a.jpg
expect_rc 2
expect_stderr_has "unknown option"
[[ ! -s $OUT ]] || fail "sign printed a link to a request the server refuses"
run --sign md5 --secret x sign /images/100x100/a.jpg
expect_rc 2
run --sign md5 --secret x sign /image/100x100/a.jpg /image/99999x100/a.jpg
expect_rc 2
run --sign md5 --secret x sign /image/info/a.jpg
expect_rc 0

step "--version names the build"
run --version
expect_rc 0
expect_stdout_has "imgcache 0."

step "sign and verify with sign = none are usage errors"
run --sign none sign /image/100x100/a.jpg
expect_rc 2
run --sign none verify "/image/100x100/a.jpg?auth=abc"
expect_rc 2

# The colour of one pixel as "(r,g,b)", 8 bits a channel.
pixel() {
  gm convert "$1" -crop "1x1+$2+$3" -depth 8 txt:- 2>/dev/null |
    sed -n 's/^[0-9]*,[0-9]*: *( *\([0-9]*\), *\([0-9]*\), *\([0-9]*\).*/(\1,\2,\3)/p'
}
# Whether pixel $1 is mostly red ("red") or mostly blue ("blue").
hue() {
  local rgb
  rgb=$(pixel "$@")
  rgb=${rgb//[()]/}
  IFS=, read -r r _ b <<<"$rgb"
  if ((r > b + 100)); then echo red; elif ((b > r + 100)); then echo blue; else echo "($rgb)"; fi
}

step "resize -c crops to the box"
run resize -s 100x100 -c "$ORIGIN_DIR/a.jpg" "$WORK/crop.jpg"
expect_rc 0
[[ $(dimensions "$WORK/crop.jpg") == 100x100 ]] ||
  fail "resize -c gave '$(dimensions "$WORK/crop.jpg")', expected 100x100"

step "resize -r 90 turns counter-clockwise"
# a.jpg runs from red at the top to blue at the bottom; a quarter turn counter-clockwise
# puts the red on the left.
run resize -s 200x200 -r 90 "$ORIGIN_DIR/a.jpg" "$WORK/r90.jpg"
expect_rc 0
[[ $(dimensions "$WORK/r90.jpg") == 150x200 ]] ||
  fail "resize -r 90 gave '$(dimensions "$WORK/r90.jpg")', expected 150x200"
[[ $(hue "$WORK/r90.jpg" 2 100) == red && $(hue "$WORK/r90.jpg" 147 100) == blue ]] ||
  fail "after -r 90 the left is $(hue "$WORK/r90.jpg" 2 100), the right $(hue "$WORK/r90.jpg" 147 100)"
run resize -s 200x200 -r 45 "$ORIGIN_DIR/a.jpg" "$WORK/r45.jpg"
expect_rc 2

step "resize -q sets the JPEG quality"
run resize -s 400x400 -q 20 "$ORIGIN_DIR/a.jpg" "$WORK/q20.jpg"
expect_rc 0
run resize -s 400x400 -q 95 "$ORIGIN_DIR/a.jpg" "$WORK/q95.jpg"
expect_rc 0
[[ $(gm identify -format %Q "$WORK/q20.jpg") == 20 ]] ||
  fail "resize -q 20 wrote quality $(gm identify -format %Q "$WORK/q20.jpg")"
[[ $(gm identify -format %Q "$WORK/q95.jpg") == 95 ]] ||
  fail "resize -q 95 wrote quality $(gm identify -format %Q "$WORK/q95.jpg")"
run resize -s 400x400 -q 101 "$ORIGIN_DIR/a.jpg" "$WORK/q101.jpg"
expect_rc 2

step "resize -f writes the format asked for"
for format in png:PNG gif:GIF webp:WEBP; do
  run resize -s 100x100 -f "${format%%:*}" "$ORIGIN_DIR/a.jpg" "$WORK/out.${format%%:*}"
  expect_rc 0
  [[ $(gm identify -format %m "$WORK/out.${format%%:*}") == "${format##*:}" ]] ||
    fail "resize -f ${format%%:*} wrote $(gm identify -format %m "$WORK/out.${format%%:*}")"
  [[ $(hue "$WORK/out.${format%%:*}" 50 2) == red ]] ||
    fail "resize -f ${format%%:*}: the top is $(hue "$WORK/out.${format%%:*}" 50 2), not red"
done
run resize -s 100x100 -f tiff "$ORIGIN_DIR/a.jpg" "$WORK/out.tiff"
expect_rc 2

step "prune --inactive removes only entries not read for that long"
run purge --all
expect_rc 0
run warm /image/100x100/a.jpg /image/100x100/b.jpg
expect_rc 0
run inspect --json /image/100x100/a.jpg
touch -a -d '3 hours ago' "$(json_field path)"
# Changed behind the index's back: --reindex reads the files again first.
run prune --reindex --inactive 2h --max-size 0 --json
expect_rc 0
expect_json removed_entries 1
expect_json kept_entries 1
expect_not_cached /image/100x100/a.jpg
expect_cached /image/100x100/b.jpg

step "a progress bar on a terminal only"
run warm /image/90x90/a.jpg /image/90x90/b.jpg
expect_rc 0
if grep -qF "[" "$ERR"; then fail "warm drew a progress bar on a file"; fi
command -v script >/dev/null || fail "script (util-linux) not found"
run purge --all
printf -v WARM_ON_TTY '%q ' "$IMGCACHE" warm /image/90x90/a.jpg /image/90x90/b.jpg
script -qec "$WARM_ON_TTY" /dev/null </dev/null >"$OUT" 2>"$ERR" || fail "warm on a terminal failed"
expect_stdout_has "] 2/2"
expect_stdout_has "warm: 2 items, 2 warmed, 0 fresh, 0 failed"

step "done"
echo "cli_test: all passed"

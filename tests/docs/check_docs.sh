#!/usr/bin/env bash
# Keeps the manual pages and the sample config true to the programs:
#   - every page renders with groff without a single warning;
#   - every key of `imgcache config print` is documented in imgcache.conf(5) (a .TP entry
#     that says "Default:" and names the actual default) and listed in
#     scripts/imgcache.conf.example, whose commented-out values are the real defaults;
#   - every subcommand of `imgcache --help` (and `config check|print`) has a .SS section
#     in imgcache(1) that names each of its options;
#   - the flags of `imgcache-fcgi --help` are in imgcache-fcgi(8);
#   - the sample config passes `imgcache config check`;
#   - every file the FILES sections name under /usr/share/imgcache/examples is one the
#     install ships, and imgcache(1)'s cron example is scripts/cron/imgcache.cron's.
# Usage: check_docs.sh PATH/TO/imgcache PATH/TO/imgcache-fcgi SOURCE_DIR
# Prints what is missing and exits 1 on any failure (also when groff is not installed).
set -uo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 PATH/TO/imgcache PATH/TO/imgcache-fcgi SOURCE_DIR" >&2
  exit 2
fi
IMGCACHE=$1
FCGI=$2
SOURCE=$3
MAN1=$SOURCE/man/imgcache.1
MAN8=$SOURCE/man/imgcache-fcgi.8
MAN5=$SOURCE/man/imgcache.conf.5
EXAMPLE=$SOURCE/scripts/imgcache.conf.example

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Only the settings given here: none from the caller's environment or /etc/imgcache.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^IMGCACHE_' || true)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imgcache-docs-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.conf"
export IMGCACHE_CONFIG=$WORK/empty.conf

for program in "$IMGCACHE" "$FCGI"; do
  if [[ ! -x $program ]]; then
    echo "FAIL: $program is not an executable (build it first)" >&2
    exit 1
  fi
done
for file in "$MAN1" "$MAN8" "$MAN5" "$EXAMPLE"; do
  [[ -f $file ]] || fail "$file does not exist"
done
((failures == 0)) || exit 1

# Roff source → plain text for matching, in files (a `grep -q` at the end of a pipe would
# fail the pipe under pipefail): "\-" is "-", "\(em" and friends are dropped.
plain() { sed -e 's/\\-/-/g' -e 's/\\(..//g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$@"; }
plain "$MAN1" >"$WORK/man1.txt"
plain "$MAN8" >"$WORK/man8.txt"
plain "$MAN5" >"$WORK/man5.txt"

# The lines of the section that starts with the given .SS/.TP line (line number) up to
# the next .SS, .SH or, for .TP entries, the next .TP.
section_from() {
  local file=$1 start=$2 stop=$3
  awk -v start="$start" -v stop="$stop" '
    NR == start { print; next }
    NR > start && $0 ~ stop { exit }
    NR > start { print }' "$file"
}

# --- (a) every page renders without warnings -------------------------------------------
if ! command -v groff >/dev/null; then
  fail "groff is not installed (apt-get install groff-base): cannot check the manual pages"
else
  for page in "$MAN1" "$MAN8" "$MAN5"; do
    [[ -f $page ]] || continue
    output=$(groff -man -ww -z "$page" 2>&1)
    rc=$?
    if [[ $rc -ne 0 || -n $output ]]; then
      fail "groff -man -ww -z ${page#"$SOURCE"/} (exit $rc) printed:"$'\n'"$output"
    fi
  done
fi

# --- (b) every config key is in imgcache.conf(5) and in the sample config --------------
if ! printed=$("$IMGCACHE" --config "$WORK/empty.conf" config print 2>"$WORK/stderr"); then
  fail "imgcache config print failed: $(cat "$WORK/stderr")"
fi
keys=$(sed -n 's/^\([a-z0-9_]*\) = .*$/\1/p' <<<"$printed")
if [[ -z $keys ]]; then
  fail "imgcache config print listed no keys"
fi

# The first word of every .TP tag under .SH KEYS in imgcache.conf(5), with its line
# number: "112 origin".
awk '
  /^\.SH / { in_keys = ($0 ~ /^\.SH KEYS/) }
  in_keys && prev == ".TP" {
    tag = $0
    sub(/^\.[A-Z]+[ \t]+/, "", tag)
    gsub(/"/, "", tag)
    split(tag, word, /[ \t=]+/)
    print NR, word[1]
  }
  { prev = $0 }' "$WORK/man5.txt" >"$WORK/man5-tags"

for key in $keys; do
  default=$(sed -n "s/^$key = //p" <<<"$printed")
  line=$(awk -v key="$key" '$2 == key { print $1; exit }' "$WORK/man5-tags")
  if [[ -z $line ]]; then
    fail "key '$key' (imgcache config print) has no .TP entry under KEYS in man/imgcache.conf.5"
  else
    entry=$(section_from "$WORK/man5.txt" "$line" '^\.(TP|SS|SH)')
    if ! grep -q 'Default:' <<<"$entry"; then
      fail "key '$key' in man/imgcache.conf.5 does not state its default (\"Default:\")"
    elif [[ -n $default ]] && ! grep -qF -- "$default" <<<"$entry"; then
      fail "key '$key' in man/imgcache.conf.5 does not give its default '$default'"
    fi
  fi
  if ! grep -Eq "^#?[[:space:]]*${key}[[:space:]]*=" "$EXAMPLE"; then
    fail "key '$key' (imgcache config print) is missing from scripts/imgcache.conf.example"
  fi
done

# Keys documented or listed that the program does not know.
while read -r documented; do
  [[ -n $documented ]] || continue
  grep -qx -- "$documented" <<<"$keys" ||
    fail "man/imgcache.conf.5 documents key '$documented', which imgcache config print does not know"
done < <(awk '{ print $2 }' "$WORK/man5-tags")
while read -r listed; do
  grep -qx -- "$listed" <<<"$keys" ||
    fail "scripts/imgcache.conf.example sets '$listed', which imgcache config print does not know"
done < <(sed -n -E 's/^#?[[:space:]]*([a-z0-9_]+)[[:space:]]*=.*/\1/p' "$EXAMPLE")

# --- (d) the sample config is valid, and what it comments out are the real defaults ----
if ! "$IMGCACHE" --config "$EXAMPLE" config check >"$WORK/stdout" 2>"$WORK/stderr"; then
  fail "imgcache --config scripts/imgcache.conf.example config check failed: $(cat "$WORK/stderr")"
else
  sed -E 's/^#([a-z0-9_]+[[:space:]]*=)/\1/' "$EXAMPLE" >"$WORK/uncommented.conf"
  as_given=$("$IMGCACHE" --config "$EXAMPLE" config print 2>&1)
  uncommented=$("$IMGCACHE" --config "$WORK/uncommented.conf" config print 2>&1)
  if [[ $as_given != "$uncommented" ]]; then
    fail "scripts/imgcache.conf.example: a commented-out value is not the default:"$'\n'"$(
      diff <(echo "$as_given") <(echo "$uncommented") | sed -n 's/^> /  example says: /p')"
  fi
fi

# --- (c) every subcommand has a section in imgcache(1) naming its options --------------
# "  sign    Print signed URLs…" lines after "Subcommands:" in CLI11's help.
subcommands_of() {
  "$@" --help 2>/dev/null | awk '
    /^Subcommands:/ { on = 1; next }
    on && /^  [a-z]/ { print $1 }
    on && /^[^ ]/ { on = 0 }'
}
# The option names of a command ("-j" "--jobs" …), without --help.
options_of() {
  "$@" --help 2>/dev/null | awk '
    /^Options:/ { on = 1; next }
    /^[^ ]/ { on = 0 }
    on && /^  -/ { n = split($1, names, ","); for (i = 1; i <= n; i++) print names[i] }' |
    grep -vx -e '-h' -e '--help'
}
check_section() {
  local title=$1
  shift  # the command line, e.g. imgcache config check
  local line
  line=$(awk -v title="$title" '
    /^\.SS / { t = $0; sub(/^\.SS[ \t]+/, "", t); gsub(/"/, "", t); if (t == title) { print NR; exit } }' "$WORK/man1.txt")
  if [[ -z $line ]]; then
    fail "subcommand '$title' (imgcache --help) has no .SS \"$title\" section in man/imgcache.1"
    return
  fi
  local text
  text=$(section_from "$WORK/man1.txt" "$line" '^\.(SS|SH) ')
  for option in $(options_of "$@"); do
    grep -qF -- "$option" <<<"$text" ||
      fail "option $option of 'imgcache ${title}' is not in its section of man/imgcache.1"
  done
}

commands=$(subcommands_of "$IMGCACHE")
[[ -n $commands ]] || fail "imgcache --help listed no subcommands"
for command in $commands; do
  nested=$(subcommands_of "$IMGCACHE" "$command")
  if [[ -z $nested ]]; then
    check_section "$command" "$IMGCACHE" "$command"
  else
    for sub in $nested; do
      check_section "$command $sub" "$IMGCACHE" "$command" "$sub"
    done
  fi
done
global_options=(--config)
for option in "${global_options[@]}"; do
  grep -qF -- "$option" "$WORK/man1.txt" || fail "global option $option is not in man/imgcache.1"
done

# --- the responder's own flags are in imgcache-fcgi(8) --------------------------------
fcgi_help=$("$FCGI" --help 2>&1)
fcgi_flags=$(awk '/^  -/ && !/Override config key/ { print $1 }' <<<"$fcgi_help" |
  tr ',' '\n' | grep -vx -e '-h' -e '--help')
for flag in $fcgi_flags --listen --threads; do
  if [[ $flag == --listen || $flag == --threads ]] && ! grep -q -- "^ *$flag " <<<"$fcgi_help"; then
    fail "imgcache-fcgi --help has no $flag, which man/imgcache-fcgi.8 documents"
  fi
  grep -qF -- "$flag" "$WORK/man8.txt" || fail "imgcache-fcgi flag $flag is not in man/imgcache-fcgi.8"
done

# --- FILES name what is installed; the cron example is the shipped one ---------------
while read -r shipped; do
  [[ -f $SOURCE/scripts/$shipped ]] || fail "scripts/CMakeLists.txt installs $shipped, which is not there"
done < <(sed -n -E 's/^install\(FILES ([^ ]+) .*/\1/p' "$SOURCE/scripts/CMakeLists.txt")
installed_examples=$(sed -n -E -e 's/^install\(FILES [^ ]+ DESTINATION \$\{examples\} RENAME ([^ )]+)\)?$/\1/p' \
  -e 's/^install\(FILES ([^ ]+) ([^ ]+) DESTINATION \$\{examples\}\)$/\1\n\2/p' \
  "$SOURCE/scripts/CMakeLists.txt" | sed 's|.*/||')
installed_examples+=$'\n'$(sed -n -E 's/^ +RENAME ([^ )]+)\)$/\1/p' "$SOURCE/scripts/CMakeLists.txt")
for page in "$WORK/man1.txt" "$WORK/man8.txt" "$WORK/man5.txt"; do
  while read -r named; do
    grep -qx -- "$named" <<<"$installed_examples" ||
      fail "$(basename "$page" .txt) names /usr/share/imgcache/examples/$named, which is not installed"
  done < <(grep -o '/usr/share/imgcache/examples/[A-Za-z0-9._-]*' "$page" | sed 's|.*/||' | sort -u)
done
while read -r cron_line; do
  grep -qxF -- "$cron_line" "$WORK/man1.txt" ||
    fail "man/imgcache.1's cron example lacks this line of scripts/cron/imgcache.cron: $cron_line"
done < <(grep -v -e '^#' -e '^$' "$SOURCE/scripts/cron/imgcache.cron")

if ((failures > 0)); then
  echo "check_docs: $failures problem(s) found; update man/ or scripts/imgcache.conf.example" >&2
  exit 1
fi
echo "check_docs: man pages and sample config match the programs"

#!/usr/bin/env bash
# Keeps the shell scripts and the manual pages lint-free:
#   - every shell script of the source tree passes `shellcheck -x` without a finding: the
#     files git knows or would add (tracked, and untracked but not ignored) that end in
#     .sh or .bash or start with an sh/bash/dash/ksh shebang, so new scripts are covered;
#   - every manual page in man/ passes `mandoc -Tlint -W all` without a single message,
#     style suggestions included.
# Usage: check_lint.sh [SOURCE_DIR]   (default: the tree this script is in)
# Prints what it found and exits 1 on any finding (also when shellcheck or mandoc is not
# installed: apt-get install shellcheck mandoc).
set -uo pipefail

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [SOURCE_DIR]" >&2
  exit 2
fi
SOURCE=${1:-$(dirname "$0")/../..}
cd "$SOURCE" || exit 2

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for tool in shellcheck mandoc; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (apt-get install $tool)"
done
((failures == 0)) || exit 1

# The files of the tree, NUL-separated: git's view when this is a checkout, else all files
# outside build trees and version control.
tree_files() {
  if [[ $(git rev-parse --is-inside-work-tree 2>/dev/null) == true ]]; then
    git ls-files -z --cached --others --exclude-standard
  else
    find . -type d \( -name .git -o -name 'build*' -o -name .run \) -prune -o -type f -print0 |
      sed -z 's|^\./||'
  fi
}

scripts=()
while IFS= read -r -d '' file; do
  [[ -f $file ]] || continue  # deleted in the work tree, still in the index
  case $file in
    *.sh | *.bash) scripts+=("$file") ;;
    *)
      if head -c 256 -- "$file" | head -n 1 |
        grep -Eq '^#!.*[/[:space:]](ba|da|k)?sh([[:space:]]|$)'; then
        scripts+=("$file")
      fi
      ;;
  esac
done < <(tree_files | sort -z)

# --- shellcheck -------------------------------------------------------------------------
if [[ ${#scripts[@]} -eq 0 ]]; then
  fail "no shell scripts found under $(pwd)"
else
  # From the top of the tree: the scripts source their libraries by paths relative to it.
  if ! output=$(shellcheck -x --format=gcc -- "${scripts[@]}" 2>&1) || [[ -n $output ]]; then
    fail "shellcheck -x found problems:"$'\n'"$output"
  fi
fi

# --- mandoc -Tlint ----------------------------------------------------------------------
shopt -s nullglob
pages=(man/*.[1-9])
shopt -u nullglob
if [[ ${#pages[@]} -eq 0 ]]; then
  fail "no manual pages found in $(pwd)/man"
fi
for page in "${pages[@]}"; do
  if ! output=$(mandoc -Tlint -W all "$page" 2>&1) || [[ -n $output ]]; then
    fail "mandoc -Tlint -W all $page found problems:"$'\n'"$output"
  fi
done

if ((failures > 0)); then
  echo "check_lint: $failures problem(s) found" >&2
  exit 1
fi
echo "check_lint: ${#scripts[@]} shell scripts pass shellcheck -x and ${#pages[@]} manual pages pass mandoc -Tlint:"
printf '  %s\n' "${scripts[@]}" "${pages[@]}"

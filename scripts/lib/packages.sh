# Sourced by scripts/run, scripts/test and scripts/bench: installs Debian packages that are
# missing, quietly, and only when some are missing.
# shellcheck shell=bash

# Everything needed to build imgcache and run its tests.
# shellcheck disable=SC2034  # used by the scripts that source this file
IMGCACHE_PACKAGES=(
  cmake g++ ninja-build pkg-config
  libgraphicsmagick++1-dev liblcms2-dev libwebp-dev libimagequant-dev libpng-dev libavif-dev libjxl-dev libheif-dev zlib1g-dev libjpeg-dev libfcgi-dev libcurl4-openssl-dev libssl-dev libcli11-dev
  libsqlite3-dev
  libgtest-dev prometheus
  graphicsmagick webp libavif-bin libjxl-tools libheif-examples nginx openssl curl groff-base python3
  shellcheck mandoc dpkg-dev file
  apache2 libapache2-mod-xsendfile spawn-fcgi systemd
  chromium
)

install_missing() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "Installing: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

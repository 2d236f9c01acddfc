# Finds the Debian-packaged libraries imgcache builds against. Each failure names the
# package that provides the missing piece.
find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()
find_package(Threads REQUIRED)

# The pkg-config modules after `what` as the imported target PkgConfig::<name>, or a stop
# that names the Debian package providing them.
function(require_modules name package what)
  pkg_check_modules(${name} IMPORTED_TARGET ${ARGN})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${what} not found: apt-get install ${package}")
  endif()
endfunction()

require_modules(MAGICK "libgraphicsmagick++1-dev" "GraphicsMagick++" GraphicsMagick++)

require_modules(LCMS2 "liblcms2-dev" "Little CMS 2" lcms2)

require_modules(WEBP "libwebp-dev" "libwebp (animation encoder, demuxer)" libwebpmux libwebpdemux libwebp)

require_modules(IMAGEQUANT "libimagequant-dev libpng-dev" "libimagequant or libpng" imagequant libpng)

require_modules(AVIF "libavif-dev" "libavif" libavif)

require_modules(JXL "libjxl-dev" "libjxl" libjxl)

require_modules(HEIF "libheif-dev" "libheif" libheif)

find_package(ZLIB)
if(NOT ZLIB_FOUND)
  message(FATAL_ERROR "zlib not found: apt-get install zlib1g-dev")
endif()

find_package(JPEG)
if(NOT JPEG_FOUND)
  message(FATAL_ERROR "libjpeg not found: apt-get install libjpeg-dev")
endif()

require_modules(FCGI "libfcgi-dev" "libfcgi" fcgi)

find_package(CURL)
if(NOT CURL_FOUND)
  message(FATAL_ERROR "libcurl not found: apt-get install libcurl4-openssl-dev")
endif()

find_package(SQLite3)
if(NOT SQLite3_FOUND)
  message(FATAL_ERROR "SQLite 3 not found: apt-get install libsqlite3-dev")
endif()

find_package(OpenSSL)
if(NOT OPENSSL_FOUND)
  message(FATAL_ERROR "OpenSSL not found: apt-get install libssl-dev")
endif()

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp)
  if(NOT CLI11_INCLUDE_DIR)
    message(FATAL_ERROR "CLI11 not found: apt-get install libcli11-dev")
  endif()
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()

if(IMGCACHE_BUILD_TESTS)
  find_package(GTest)
  if(NOT GTest_FOUND)
    message(FATAL_ERROR "GoogleTest not found: apt-get install libgtest-dev")
  endif()
  # The tests read animated WebP back with libwebp's decoder.
  require_modules(WEBPDEMUX "libwebp-dev" "libwebpdemux" libwebpdemux)
endif()

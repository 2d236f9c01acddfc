# Finds the Debian-packaged libraries imgcache builds against. Each failure names the
# package that provides the missing piece.
find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()
find_package(Threads REQUIRED)

pkg_check_modules(MAGICK IMPORTED_TARGET GraphicsMagick++)
if(NOT MAGICK_FOUND)
  message(FATAL_ERROR "GraphicsMagick++ not found: apt-get install libgraphicsmagick++1-dev")
endif()

pkg_check_modules(LCMS2 IMPORTED_TARGET lcms2)
if(NOT LCMS2_FOUND)
  message(FATAL_ERROR "Little CMS 2 not found: apt-get install liblcms2-dev")
endif()

pkg_check_modules(WEBP IMPORTED_TARGET libwebpmux libwebpdemux libwebp)
if(NOT WEBP_FOUND)
  message(FATAL_ERROR "libwebp (animation encoder, demuxer) not found: apt-get install libwebp-dev")
endif()

pkg_check_modules(IMAGEQUANT IMPORTED_TARGET imagequant libpng)
if(NOT IMAGEQUANT_FOUND)
  message(FATAL_ERROR "libimagequant or libpng not found: apt-get install libimagequant-dev libpng-dev")
endif()

pkg_check_modules(AVIF IMPORTED_TARGET libavif)
if(NOT AVIF_FOUND)
  message(FATAL_ERROR "libavif not found: apt-get install libavif-dev")
endif()

pkg_check_modules(JXL IMPORTED_TARGET libjxl)
if(NOT JXL_FOUND)
  message(FATAL_ERROR "libjxl not found: apt-get install libjxl-dev")
endif()

pkg_check_modules(HEIF IMPORTED_TARGET libheif)
if(NOT HEIF_FOUND)
  message(FATAL_ERROR "libheif not found: apt-get install libheif-dev")
endif()

find_package(ZLIB)
if(NOT ZLIB_FOUND)
  message(FATAL_ERROR "zlib not found: apt-get install zlib1g-dev")
endif()

find_package(JPEG)
if(NOT JPEG_FOUND)
  message(FATAL_ERROR "libjpeg not found: apt-get install libjpeg-dev")
endif()

pkg_check_modules(FCGI IMPORTED_TARGET fcgi)
if(NOT FCGI_FOUND)
  message(FATAL_ERROR "libfcgi not found: apt-get install libfcgi-dev")
endif()

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
  pkg_check_modules(WEBPDEMUX IMPORTED_TARGET libwebpdemux)
  if(NOT WEBPDEMUX_FOUND)
    message(FATAL_ERROR "libwebpdemux not found: apt-get install libwebp-dev")
  endif()
endif()

# `cpack -G DEB` (in the build directory): a Debian package of what `cmake --install`
# installs — both programs, the man pages, every example (configs, nginx and Apache sites,
# cron), the systemd units — whose maintainer scripts (scripts/debian/) add the imgcache
# system user, /var/cache/imgcache and, if absent, /etc/imgcache/imgcache.conf.
set(CPACK_PACKAGE_NAME imgcache)
set(CPACK_PACKAGE_VENDOR "imgcache")
set(CPACK_PACKAGE_CONTACT "imgcache maintainers <imgcache@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "On-the-fly image resizing FastCGI server for nginx and Apache, with its CLI")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the libraries' packages, from the binaries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, util-linux")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx | apache2")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/scripts/debian/postinst ${PROJECT_SOURCE_DIR}/scripts/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# imgcache_warnings: the warning set every target of the project links.
add_library(imgcache_warnings INTERFACE)
# Aggregates here give every member a default, so partial designated initialisers are
# intended: -Wmissing-field-initializers (part of -Wextra) is off.
target_compile_options(imgcache_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wno-missing-field-initializers)
# GCC 12 reports -Wrestrict falsely for `"literal" + std::string` once optimising
# (GCC bug 105329); the check stays on for other compilers.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(imgcache_warnings INTERFACE -Wno-restrict)
endif()
if(IMGCACHE_WERROR)
  target_compile_options(imgcache_warnings INTERFACE -Werror)
endif()

# imgcache_warnings: the warning set every target of the project links.
add_library(imgcache_warnings INTERFACE)
# Aggregates here give every member a default, so partial designated initialisers are
# intended: -Wmissing-field-initializers (part of -Wextra) is off.
target_compile_options(imgcache_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wno-missing-field-initializers)
if(IMGCACHE_WERROR)
  target_compile_options(imgcache_warnings INTERFACE -Werror)
endif()

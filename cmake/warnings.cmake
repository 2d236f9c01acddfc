# imgcache_warnings: the warning set every target of the project links.
add_library(imgcache_warnings INTERFACE)
target_compile_options(imgcache_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(IMGCACHE_WERROR)
  target_compile_options(imgcache_warnings INTERFACE -Werror)
endif()

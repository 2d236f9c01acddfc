// Small text helpers shared by the config parser, the fetcher and the router.
#pragma once

#include <string_view>

namespace imgcache {

// `text` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace imgcache

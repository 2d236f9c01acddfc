// Small text helpers shared by the config parser, the fetcher, the router, the request log
// and the CLI's JSON output.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace imgcache {

// `text` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// Each line of `text` with `prefix` before it and a newline after it: an error of several
// lines printed as several error lines ("imgcache: ...").
inline std::string prefixed_lines(std::string_view prefix, std::string_view text) {
  std::string out;
  for (;;) {
    const auto end = text.find('\n');
    out.append(prefix).append(text.substr(0, end)) += '\n';
    if (end == std::string_view::npos) return out;
    text.remove_prefix(end + 1);
  }
}

// `text` as a JSON string: quoted, with quotes, backslashes and control characters escaped
// (other bytes as they are).
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", c);
          out += escape;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace imgcache

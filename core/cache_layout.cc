#include "core/cache_layout.h"

#include "core/digest.h"
#include "core/error.h"
#include "core/negotiation.h"
#include "core/url_parts.h"

namespace imgcache {

std::vector<int> parse_levels(std::string_view levels) {
  std::vector<int> out;
  while (true) {
    std::string_view part = levels.substr(0, levels.find(':'));
    if (part != "1" && part != "2") {
      throw Error(Errc::bad_request, "levels are 1 to 3 numbers of 1 or 2, as 1:2");
    }
    out.push_back(part[0] - '0');
    if (part.size() == levels.size()) break;
    levels.remove_prefix(part.size() + 1);
  }
  if (out.size() > 3) throw Error(Errc::bad_request, "at most 3 levels");
  return out;
}

std::string entry_path(const std::string& root, const std::vector<int>& levels,
                       const std::string& hex) {
  std::string path = root;
  if (path.empty() || path.back() != '/') path += '/';
  std::size_t end = hex.size();
  for (int width : levels) {
    end -= static_cast<std::size_t>(width);
    path += hex.substr(end, static_cast<std::size_t>(width));
    path += '/';
  }
  return path + hex;
}

std::string cache_key(const std::string& origin, const ImageRequest& request,
                      const std::vector<ImageFormat>& negotiated) {
  std::string key = without_credentials(origin);
  key += ' ';
  key += request.info ? std::string("info") : request.operation.canonical();
  if (!negotiated.empty()) key += " " + negotiation_key_word(negotiated);
  key += " /";
  key += request.source_path;
  return key;
}

bool key_names_source(std::string_view key, const std::string& origin,
                      std::string_view source_path) {
  const std::string start = without_credentials(origin) + ' ';
  const std::string end = " /" + std::string(source_path);
  return key.size() >= start.size() + end.size() && key.starts_with(start) && key.ends_with(end);
}

std::string key_digest(std::string_view key) { return to_hex(md5(key)); }

}  // namespace imgcache

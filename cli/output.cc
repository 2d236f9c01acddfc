#include "cli/output.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/text.h"

namespace imgcache {

Json& Json::add(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, json_string(value));
  return *this;
}

Json& Json::add(const std::string& key, std::int64_t value) {
  fields_.emplace_back(key, std::to_string(value));
  return *this;
}

Json& Json::add(const std::string& key, std::uint64_t value) {
  fields_.emplace_back(key, std::to_string(value));
  return *this;
}

Json& Json::add(const std::string& key, bool value) {
  fields_.emplace_back(key, value ? "true" : "false");
  return *this;
}

Json& Json::add(const std::string& key, const Json& object) {
  fields_.emplace_back(key, object.str());
  return *this;
}

Json& Json::add(const std::string& key, const std::vector<std::string>& strings) {
  std::string array = "[";
  for (const std::string& text : strings)
    array += (array.size() > 1 ? ", " : "") + json_string(text);
  fields_.emplace_back(key, array + "]");
  return *this;
}

std::string Json::str() const {
  std::string out = "{";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += json_string(fields_[i].first) + ": " + fields_[i].second;
  }
  return out + "}";
}

Progress::Progress(std::string label, std::uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (enabled_ && last_percent_ >= 0) std::cerr << '\n';
  last_percent_ = -1;
}

void Progress::update(std::uint64_t done) {
  if (!enabled_ || total_ == 0) return;
  int percent = static_cast<int>(done * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  int filled = percent * kWidth / 100;
  std::cerr << '\r' << label_ << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, ' ') << "] " << done << '/' << total_ << std::flush;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof out, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return out;
}

}  // namespace imgcache

// Output helpers for the CLI: a small JSON object writer for --json, and a progress bar
// that draws on stderr only when stderr is a terminal (never in cron or pipes).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace imgcache {

class Json {
 public:
  Json& add(const std::string& key, const std::string& value);
  Json& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  Json& add(const std::string& key, std::int64_t value);
  Json& add(const std::string& key, std::uint64_t value);
  Json& add(const std::string& key, unsigned value) { return add(key, std::uint64_t{value}); }
  Json& add(const std::string& key, bool value);
  Json& add(const std::string& key, const Json& object);
  Json& add(const std::string& key, const std::vector<std::string>& strings);  // an array
  std::string str() const;                                                     // one line

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // key, encoded value
};

class Progress {
 public:
  Progress(std::string label, std::uint64_t total);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();
  void update(std::uint64_t done);
  // Ends the bar's line (before a summary is printed); the destructor does it too.
  void finish();

 private:
  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  int last_percent_ = -1;
};

// "1.5 MiB"
std::string human_bytes(std::uint64_t bytes);

}  // namespace imgcache

// HotEntries: the cache entries served most recently, kept in memory up to a byte budget
// (memory_cache_size), so that a hit costs two stats instead of opening and reading the
// .meta and the body. An entry is used only while both its files are still the very files
// it was read from: a purge, a prune, a replacement, a revalidation or a touch by any
// process makes it be read from disk again. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/cache_store.h"
#include "core/file_read.h"

namespace imgcache {

struct HotEntry {
  CacheEntry entry;        // entry.meta_file: the .meta the meta was read from
  FileIdentity body_file;  // the body file `body` was read from
  std::shared_ptr<const std::string> body;
};

class HotEntries {
 public:
  // budget 0 keeps nothing. A body over an eighth of the budget is not kept.
  explicit HotEntries(std::uint64_t budget_bytes) : budget_(budget_bytes) {}

  // The entry kept for key if its .meta and body files are unchanged, else nullptr (and
  // it is dropped).
  std::shared_ptr<const HotEntry> find(const std::string& key);
  void keep(HotEntry hot);
  std::uint64_t bytes() const;

 private:
  struct Slot {
    std::shared_ptr<const HotEntry> hot;
    std::list<std::string>::iterator recency;
  };
  void drop_locked(std::unordered_map<std::string, Slot>::iterator slot);

  const std::uint64_t budget_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> recency_;  // most recent first
  std::uint64_t bytes_ = 0;
};

}  // namespace imgcache

#include "core/hot_entries.h"

namespace imgcache {
namespace {

std::uint64_t cost(const HotEntry& hot) {
  return hot.body->size() + hot.entry.meta.key.size() + hot.entry.path.size() + 512;
}

}  // namespace

std::shared_ptr<const HotEntry> HotEntries::find(const std::string& key) {
  std::shared_ptr<const HotEntry> hot;
  {
    std::lock_guard lock(mutex_);
    auto slot = slots_.find(key);
    if (slot == slots_.end()) return nullptr;
    recency_.splice(recency_.begin(), recency_, slot->second.recency);
    hot = slot->second.hot;
  }
  if (file_identity(meta_path_of(hot->entry.path)) == hot->entry.meta_file &&
      file_identity(hot->entry.path) == hot->body_file) {
    return hot;
  }
  std::lock_guard lock(mutex_);
  auto slot = slots_.find(key);
  if (slot != slots_.end() && slot->second.hot == hot) drop_locked(slot);
  return nullptr;
}

void HotEntries::keep(HotEntry hot) {
  if (!hot.body) return;
  std::uint64_t size = cost(hot);
  if (size > budget_ / 8) return;
  std::string key = hot.entry.meta.key;
  auto shared = std::make_shared<const HotEntry>(std::move(hot));
  std::lock_guard lock(mutex_);
  if (auto slot = slots_.find(key); slot != slots_.end()) drop_locked(slot);
  while (bytes_ + size > budget_ && !recency_.empty()) drop_locked(slots_.find(recency_.back()));
  recency_.push_front(key);
  slots_.emplace(std::move(key), Slot{std::move(shared), recency_.begin()});
  bytes_ += size;
}

std::uint64_t HotEntries::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void HotEntries::drop_locked(std::unordered_map<std::string, Slot>::iterator slot) {
  bytes_ -= cost(*slot->second.hot);
  recency_.erase(slot->second.recency);
  slots_.erase(slot);
}

}  // namespace imgcache

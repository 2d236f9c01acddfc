// Test doubles for the two seams of core/: a clock that tests move by hand, and a
// fetcher that serves scripted sources and counts calls.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "core/fetcher.h"

namespace imgcache::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixTime start = 1'800'000'000) : now_(start) {}
  UnixTime now() const override { return now_; }
  void advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<UnixTime> now_;
};

class FakeFetcher final : public Fetcher {
 public:
  // What fetch() does for a path: return this source, or throw this error.
  struct Source {
    std::string body;
    std::string etag;
    std::optional<Errc> error;
  };

  void set(const std::string& path, Source source) {
    std::lock_guard lock(mutex_);
    sources_[path] = std::move(source);
  }

  FetchResult fetch(const FetchRequest& request) override {
    ++calls_;
    Source source;
    {
      std::lock_guard lock(mutex_);
      auto it = sources_.find(request.source_path);
      if (it == sources_.end()) throw Error(Errc::not_found, "fake: no " + request.source_path);
      source = it->second;
    }
    if (source.error) throw Error(*source.error, "fake failure");
    FetchResult result;
    result.etag = source.etag;
    if (!source.etag.empty() && request.if_none_match == source.etag) {
      result.not_modified = true;
      return result;
    }
    result.body = source.body;
    return result;
  }

  std::string source_url(const FetchRequest& request) const override {
    return "fake:/" + request.source_path;
  }

  int calls() const { return calls_; }

 private:
  std::mutex mutex_;
  std::map<std::string, Source> sources_;
  std::atomic<int> calls_{0};
};

}  // namespace imgcache::testing

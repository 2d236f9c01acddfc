// LogSink: where core code sends operational messages (one line each, no newline).
// The responder writes them to stderr; tests capture them.
#pragma once

#include <functional>
#include <string_view>

namespace imgcache {

using LogSink = std::function<void(std::string_view line)>;

}  // namespace imgcache

// HTTP dates (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT", and the ISO 8601
// form logs and listings use: "1994-11-06T08:49:37Z".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace imgcache {

std::string format_http_date(UnixTime time);
// Accepts IMF-fixdate; nullopt for anything else.
std::optional<UnixTime> parse_http_date(std::string_view text);
std::string format_iso_date(UnixTime time);

}  // namespace imgcache

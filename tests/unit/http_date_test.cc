// HTTP dates (RFC 9110 §5.6.7 IMF-fixdate), as Last-Modified and If-Modified-Since carry them.
#include "core/http_date.h"

#include <gtest/gtest.h>

namespace imgcache {
namespace {

TEST(HttpDate, Format) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC example
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(1'800'000'000), "Fri, 15 Jan 2027 08:00:00 GMT");
}

TEST(HttpDate, Parse) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), UnixTime{784111777});
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), UnixTime{0});
  for (UnixTime t : {UnixTime{1}, UnixTime{951782400}, UnixTime{1'800'000'000},
                     UnixTime{2147483647}, UnixTime{4102444800}}) {
    EXPECT_EQ(parse_http_date(format_http_date(t)), t) << format_http_date(t);
  }
}

TEST(HttpDate, RejectsOtherForms) {
  for (const char* text : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994",
                           "Sun, 06 Nov 1994 08:49:37 GMT trailing", "1994-11-06T08:49:37Z",
                           "Sun, 06 Foo 1994 08:49:37 GMT"}) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace imgcache

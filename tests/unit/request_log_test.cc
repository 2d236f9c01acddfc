// fcgi/request_log.h: one key=value line per request, values quoted where needed, no token
// and no line break ever in it.
#include "fcgi/request_log.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "fcgi/router.h"

namespace imgcache {
namespace {

TEST(RequestLog, KeyValueLine) {
  HttpRequest request{.method = "GET",
                      .path = "/image/150x150/a.jpg",
                      .query = "auth=TwcXg954Rhkjt1RK8IO4jA&expires=2147483647"};
  HttpResponse response;
  response.status = 200;
  response.cache = "MISS";
  std::string line =
      format_request_log(LogFormat::text, 1'800'000'000, request, response, 5120, 42.0);
  EXPECT_EQ(line,
            "time=2027-01-15T08:00:00Z status=200 method=GET uri=/image/150x150/a.jpg cache=MISS "
            "bytes=5120 ms=42.0");
  EXPECT_EQ(line.find("TwcXg954"), std::string::npos);  // tokens never reach the log
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(RequestLog, ErrorsAndOddValuesAreQuoted) {
  HttpRequest request{.method = "GET", .path = "/image/150x150/a b.jpg"};
  HttpResponse response = error_response(Errc::bad_signature);
  response.error = "bad token";
  std::string line =
      format_request_log(LogFormat::text, 1'800'000'000, request, response, 10, 12.5);
  EXPECT_NE(line.find(" status=403 "), std::string::npos) << line;
  EXPECT_NE(line.find(" uri=\"/image/150x150/a b.jpg\" "), std::string::npos) << line;
  EXPECT_NE(line.find(" cache=- "), std::string::npos) << line;
  EXPECT_NE(line.find(" bytes=10 ms=12.5 "), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 18), " error=\"bad token\"") << line;
}

TEST(RequestLog, JsonLineHasTheSameFieldsEscaped) {
  HttpRequest request{.method = "GET",
                      .path = "/image/150x150/a \"b\"\\c\n.jpg",
                      .query = "auth=TwcXg954Rhkjt1RK8IO4jA"};
  HttpResponse response = error_response(Errc::bad_signature);
  response.error = "bad token";
  EXPECT_EQ(format_request_log(LogFormat::json, 1'800'000'000, request, response, 10, 12.5),
            "{\"time\":\"2027-01-15T08:00:00Z\",\"status\":403,\"method\":\"GET\","
            "\"uri\":\"/image/150x150/a \\\"b\\\"\\\\c\\n.jpg\",\"cache\":\"-\",\"bytes\":10,"
            "\"ms\":12.5,\"error\":\"bad token\"}");
}

TEST(RequestLog, LogValueQuoting) {
  EXPECT_EQ(log_value("plain"), "plain");
  EXPECT_EQ(log_value("/image/150x150,crop/a.jpg"), "/image/150x150,crop/a.jpg");
  EXPECT_EQ(log_value(""), "\"\"");
  EXPECT_EQ(log_value("a b"), "\"a b\"");
  EXPECT_EQ(log_value("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(log_value("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(log_value("a=b"), "a=b");
  // A newline must not split the line: a forged second log line is impossible.
  std::string forged = log_value("x\nstatus=200 method=GET");
  EXPECT_EQ(forged.find('\n'), std::string::npos) << forged;
  EXPECT_EQ(forged.front(), '"');
  EXPECT_EQ(forged.back(), '"');
  EXPECT_EQ(log_value("tab\there").find('\t'), std::string::npos);
}

}  // namespace
}  // namespace imgcache

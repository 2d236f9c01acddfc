// The FastCGI wire protocol (fcgi/fcgi_protocol.h): requests arrive in any pieces, limits
// hold, the protocol's own questions are answered, and answers are well-formed records.
#include "fcgi/fcgi_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace imgcache {
namespace {

std::string record(unsigned char type, std::uint16_t id, const std::string& content) {
  std::string out = {1,
                     static_cast<char>(type),
                     static_cast<char>(id >> 8),
                     static_cast<char>(id & 0xff),
                     static_cast<char>(content.size() >> 8),
                     static_cast<char>(content.size() & 0xff),
                     0,
                     0};
  return out + content;
}

std::string pair(const std::string& name, const std::string& value) {
  return std::string(1, static_cast<char>(name.size())) +
         std::string(1, static_cast<char>(value.size())) + name + value;
}

std::string request(std::uint16_t id, const std::string& uri, unsigned role = 1) {
  const std::string begin = {0, static_cast<char>(role), 1, 0, 0, 0, 0, 0};
  return record(1, id, begin) +
         record(4, id, pair("REQUEST_METHOD", "GET") + pair("REQUEST_URI", uri)) +
         record(4, id, "") + record(5, id, "");
}

TEST(FcgiParser, TakesARequestInAnyPieces) {
  const std::string bytes = request(7, "/image/10x10/a.jpg?auth=x");
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{8}, bytes.size()}) {
    FcgiParser parser;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      ASSERT_TRUE(parser.feed(std::string_view(bytes).substr(at, piece)));
      if (at + piece < bytes.size() - 8) {
        EXPECT_TRUE(parser.requests().empty());
      }
    }
    ASSERT_EQ(parser.requests().size(), 1u) << piece;
    const FcgiRequest& got = parser.requests().front();
    EXPECT_EQ(got.id, 7);
    EXPECT_TRUE(got.keep_connection);
    EXPECT_EQ(got.http.method, "GET");
    EXPECT_EQ(got.http.path, "/image/10x10/a.jpg");
    EXPECT_EQ(got.http.query, "auth=x");
    EXPECT_FALSE(parser.mid_request());
  }
}

TEST(FcgiParser, TheWebServerCanAskForTheBytes) {
  const std::string begin = {0, 1, 1, 0, 0, 0, 0, 0};
  FcgiParser parser;
  ASSERT_TRUE(
      parser.feed(request(1, "/a") + record(1, 2, begin) +
                  record(4, 2, pair("REQUEST_URI", "/b") + pair("IMGCACHE_SENDFILE", "off")) +
                  record(4, 2, "") + record(5, 2, "")));
  ASSERT_EQ(parser.requests().size(), 2u);
  EXPECT_TRUE(parser.requests()[0].http.sendfile);
  EXPECT_FALSE(parser.requests()[1].http.sendfile);
}

TEST(FcgiParser, PipelinedRequestsComeOutInOrder) {
  FcgiParser parser;
  ASSERT_TRUE(parser.feed(request(1, "/a") + request(2, "/b") + request(3, "/c")));
  ASSERT_EQ(parser.requests().size(), 3u);
  EXPECT_EQ(parser.requests()[2].http.path, "/c");
}

TEST(FcgiParser, HalfARecordIsMidRequest) {
  FcgiParser parser;
  ASSERT_TRUE(parser.feed(request(1, "/a").substr(0, 2)));
  EXPECT_TRUE(parser.mid_request());
  EXPECT_TRUE(parser.requests().empty());
}

TEST(FcgiParser, ParametersOverTheCapBreakTheStream) {
  FcgiParser parser;
  const std::string begin = {0, 1, 1, 0, 0, 0, 0, 0};
  ASSERT_TRUE(parser.feed(record(1, 1, begin)));
  const std::string chunk(60000, 'x');
  bool ok = true;
  for (std::size_t sent = 0; ok && sent <= kMaxParamsBytes; sent += chunk.size()) {
    ok = parser.feed(record(4, 1, chunk));
  }
  EXPECT_FALSE(ok);
  EXPECT_NE(parser.error().find("parameters"), std::string::npos);
}

TEST(FcgiParser, TooManyOpenRequestsBreakTheStream) {
  FcgiParser parser;
  std::string bytes;
  for (unsigned id = 1; id <= kMaxRequestsPerConnection + 1; ++id) bytes += request(id, "/a");
  EXPECT_FALSE(parser.feed(bytes));
}

TEST(FcgiParser, WrongVersionBreaksTheStream) {
  FcgiParser parser;
  EXPECT_FALSE(parser.feed("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(parser.error().empty());
}

TEST(FcgiParser, OtherRolesAreRefusedAndTheStreamGoesOn) {
  FcgiParser parser;
  ASSERT_TRUE(parser.feed(request(4, "/a", 3) + request(5, "/b")));
  const std::string replies = parser.take_replies();
  ASSERT_EQ(replies.size(), 16u);
  EXPECT_EQ(replies[1], 3) << "END_REQUEST";
  EXPECT_EQ(replies[3], 4) << "for request 4";
  EXPECT_EQ(replies[12], 3) << "FCGI_UNKNOWN_ROLE";
  ASSERT_EQ(parser.requests().size(), 1u);
  EXPECT_EQ(parser.requests().front().id, 5);
}

TEST(FcgiParser, GetValuesIsAnswered) {
  FcgiParser parser;
  ASSERT_TRUE(parser.feed(record(9, 0, pair("FCGI_MPXS_CONNS", "") + pair("OTHER", ""))));
  const std::string replies = parser.take_replies();
  ASSERT_GE(replies.size(), 8u);
  EXPECT_EQ(replies[1], 10) << "GET_VALUES_RESULT";
  EXPECT_EQ(replies.substr(8, 2 + 15 + 1), pair("FCGI_MPXS_CONNS", "1"));
  EXPECT_EQ(replies.find("OTHER"), std::string::npos);
}

TEST(FcgiParser, AbortedRequestIsEndedAndDropped) {
  FcgiParser parser;
  const std::string begin = {0, 1, 1, 0, 0, 0, 0, 0};
  ASSERT_TRUE(parser.feed(record(1, 9, begin) + record(2, 9, "") + record(4, 9, "")));
  EXPECT_TRUE(parser.requests().empty());
  EXPECT_EQ(parser.take_replies().substr(1, 1), std::string(1, 3));
}

TEST(EncodeAnswer, HeadersBodyAndEndInRecordsOfTheRequest) {
  HttpResponse response;
  response.set("Content-Type", "image/jpeg");
  response.body = std::string(70000, 'b');  // more than one record
  const std::string out = encode_answer(3, response, false);
  std::string stdout_stream;
  std::size_t at = 0;
  int ends = 0;
  while (at + 8 <= out.size()) {
    const auto* h = reinterpret_cast<const unsigned char*>(out.data() + at);
    const std::size_t length = h[4] << 8 | h[5];
    EXPECT_EQ(h[0], 1);
    EXPECT_EQ(h[2] << 8 | h[3], 3);
    EXPECT_EQ((length + h[6]) % 8, 0u) << "padded to 8 bytes";
    if (h[1] == 6) stdout_stream.append(out, at + 8, length);
    if (h[1] == 3) ++ends;
    at += 8 + length + h[6];
  }
  EXPECT_EQ(at, out.size());
  EXPECT_EQ(ends, 1);
  EXPECT_EQ(stdout_stream.rfind("Status: 200 OK\r\nContent-Type: image/jpeg\r\n", 0), 0u);
  EXPECT_NE(stdout_stream.find("Content-Length: 70000\r\n\r\n"), std::string::npos);
  EXPECT_EQ(stdout_stream.substr(stdout_stream.size() - 70000), response.body);
  const std::string head = encode_answer(3, response, true);
  EXPECT_LT(head.size(), 300u) << "HEAD: no body";
}

}  // namespace
}  // namespace imgcache

// The three Errc tables (core/error.h): HTTP status (SPEC §5), client text, CLI exit code (§8).
#include "core/error.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imgcache {
namespace {

struct StatusCase {
  Errc code;
  int status;
};

// SPEC §5 status table; bad_config never reaches a client but must not look like success.
const std::vector<StatusCase> kStatuses = {
    {Errc::bad_request, 400},        {Errc::bad_signature, 403}, {Errc::not_found, 404},
    {Errc::method_not_allowed, 405}, {Errc::link_expired, 410},  {Errc::unsupported_image, 415},
    {Errc::internal, 500},           {Errc::origin_error, 502},  {Errc::overloaded, 503},
    {Errc::origin_timeout, 504},     {Errc::bad_config, 500},
};

TEST(Error, HttpStatusForEveryCode) {
  for (const StatusCase& c : kStatuses) {
    EXPECT_EQ(http_status(c.code), c.status) << "Errc #" << static_cast<int>(c.code);
  }
}

TEST(Error, PublicMessageIsShortAndNeverTheDetail) {
  const std::string detail = "/var/cache/imgcache/c/29/secret-token-xyz: Magick: corrupt";
  for (const StatusCase& c : kStatuses) {
    Error error(c.code, detail);
    std::string_view message = public_message(error.code());
    EXPECT_FALSE(message.empty()) << "Errc #" << static_cast<int>(c.code);
    EXPECT_LT(message.size(), 64u);
    EXPECT_EQ(message.find("/var/cache"), std::string_view::npos);
    EXPECT_EQ(message.find("secret"), std::string_view::npos);
    EXPECT_EQ(message.find("Magick"), std::string_view::npos);
    EXPECT_EQ(std::string(error.what()), detail);  // the detail stays available for logs
  }
}

TEST(Error, DistinctClientMessagesForDistinctStatuses) {
  // A user reading the body must be able to tell 404 from 415 from 502.
  EXPECT_NE(public_message(Errc::not_found), public_message(Errc::unsupported_image));
  EXPECT_NE(public_message(Errc::origin_error), public_message(Errc::origin_timeout));
  EXPECT_NE(public_message(Errc::bad_signature), public_message(Errc::link_expired));
}

TEST(Error, ExitCodeIsTwoOnlyForConfigErrors) {
  for (const StatusCase& c : kStatuses) {
    EXPECT_EQ(exit_code(c.code), c.code == Errc::bad_config ? 2 : 1)
        << "Errc #" << static_cast<int>(c.code);
  }
}

TEST(Error, CodeSurvivesThrowAsRuntimeError) {
  try {
    throw Error(Errc::origin_timeout, "fetch took too long");
  } catch (const std::runtime_error& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code(), Errc::origin_timeout);
    EXPECT_STREQ(e.what(), "fetch took too long");
  }
}

}  // namespace
}  // namespace imgcache

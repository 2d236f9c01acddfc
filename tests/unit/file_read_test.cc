#include "core/file_read.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

using testing::TempDir;

TEST(ReadWholeFile, ReturnsEveryByte) {
  TempDir dir;
  std::string bytes(100000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  EXPECT_EQ(read_whole_file(dir.write("big", bytes)), bytes);
  EXPECT_EQ(read_whole_file(dir.write("empty", "")), "");
  EXPECT_EQ(read_whole_file(dir.write("one", "x")), "x");
}

TEST(ReadWholeFile, MissingOrUnreadableIsNullopt) {
  TempDir dir;
  EXPECT_EQ(read_whole_file(dir.file("missing")), std::nullopt);
  EXPECT_EQ(read_whole_file(dir.path()), std::nullopt);  // a directory: read() fails
}

TEST(ReadWholeFile, ReadsFilesWithoutAKnownSize) {
  // /proc files report size 0 and still have content.
  auto status = read_whole_file("/proc/self/status");
  ASSERT_TRUE(status);
  EXPECT_NE(status->find("Name:"), std::string::npos);
}

}  // namespace
}  // namespace imgcache

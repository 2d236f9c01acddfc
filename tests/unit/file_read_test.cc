#include "core/file_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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

TEST(ReadRegularFile, ReadsARegularFileUpToItsCap) {
  TempDir dir;
  RegularFile file = read_regular_file(dir.write("meta", "key=x\n"), 6);
  EXPECT_EQ(file.bytes, "key=x\n");
  EXPECT_EQ(file.identity, file_identity(dir.file("meta")));
  EXPECT_EQ(file.refused, "");
  RegularFile large = read_regular_file(dir.file("meta"), 5);
  EXPECT_EQ(large.bytes, std::nullopt);
  EXPECT_TRUE(large.too_large);
}

TEST(ReadRegularFile, AbsentIsNotRefused) {
  TempDir dir;
  RegularFile file = read_regular_file(dir.file("missing"), 100);
  EXPECT_EQ(file.bytes, std::nullopt);
  EXPECT_EQ(file.refused, "");
  EXPECT_FALSE(file.too_large);
}

TEST(ReadRegularFile, RefusesLinksFifosDevicesAndDirectoriesWithoutWaiting) {
  TempDir dir;
  ASSERT_EQ(::symlink("/dev/zero", dir.file("zero").c_str()), 0);
  ASSERT_EQ(::symlink(dir.write("real", "bytes").c_str(), dir.file("link").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0644), 0);  // no writer: a blocking open waits
  for (const std::string& path : {dir.file("zero"), dir.file("link"), dir.file("fifo"),
                                  std::string("/dev/zero"), dir.path()}) {
    RegularFile file = read_regular_file(path, 1 << 20);
    EXPECT_EQ(file.bytes, std::nullopt) << path;
    EXPECT_NE(file.refused.find("not a regular file"), std::string::npos)
        << path << ": " << file.refused;
  }
}

TEST(FileIdentity, OfALinkIsNotThatOfItsTarget) {
  TempDir dir;
  ASSERT_EQ(::symlink(dir.write("real", "bytes").c_str(), dir.file("link").c_str()), 0);
  EXPECT_NE(file_identity(dir.file("link")), file_identity(dir.file("real")));
}

}  // namespace
}  // namespace imgcache

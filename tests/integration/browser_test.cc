// A person opening a page of new thumbnails in a real browser (issue: everyday inputs, page
// loads): headless Chromium loads a gallery of 30 signed thumbnails from a cold cache
// through nginx, and every image must have loaded on that first view. A screenshot of the
// page is kept (gallery.png in the test's working directory).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/sign.h"
#include "tests/integration/stack.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

constexpr int kThumbnails = 30;

// The page: every thumbnail with its URL under it; once loaded, the body says how many
// images have decoded pixels.
std::string gallery_page(const Stack& stack, const Config& signing) {
  std::string html =
      "<!doctype html><html><head><title>gallery</title><style>"
      "figure{display:inline-block;margin:4px;font:9px sans-serif;width:170px}"
      "</style></head><body>\n";
  for (int i = 0; i < kThumbnails; ++i) {
    const std::string box = std::to_string(120 + i) + "x" + std::to_string(90 + i % 3 * 10);
    const std::string options = i % 3 == 1 ? ",crop" : (i % 3 == 2 ? ",r90" : "");
    const std::string uri =
        sign_uri(signing_keys(signing), "/image/" + box + options + "/photo.jpg", std::nullopt);
    html += "<figure><img src=\"" + stack.url(uri) + "\"><figcaption>" + uri +
            "</figcaption></figure>\n";
  }
  html +=
      "<script>window.addEventListener('load', () => {"
      " const images = [...document.images];"
      " document.body.dataset.loaded ="
      "   images.filter(image => image.complete && image.naturalWidth > 0).length;"
      "});</script></body></html>\n";
  return html;
}

std::string chromium(const TempDir& dir, const std::string& arguments) {
  return run_command(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --user-data-dir=" +
      dir.file("chromium") + " " + arguments + " 2>/dev/null");
}

TEST(Browser, APageOfThirtyNewThumbnailsLoadsWholeOnTheFirstView) {
  TempDir site;
  std::filesystem::copy_file(fixtures_dir() + "/photo.jpg", site.file("photo.jpg"));
  Config signing;
  signing.sign = SignScheme::md5;
  signing.secret = "gallery-secret";
  Stack stack(
      {.config_lines = {"sign = md5", "secret = gallery-secret"}, .origin_root = site.path()});
  site.write("gallery.html", gallery_page(stack, signing));
  const std::string page = stack.origin_http() + "/gallery.html";

  const std::string dom = chromium(site, "--virtual-time-budget=60000 --dump-dom " + page);
  EXPECT_NE(dom.find("data-loaded=\"" + std::to_string(kThumbnails) + "\""), std::string::npos)
      << dom.substr(0, 400);
  int misses = 0;
  const std::string log = stack.responder_log();
  for (auto at = log.find("cache=MISS"); at != std::string::npos;
       at = log.find("cache=MISS", at + 1)) {
    ++misses;
  }
  EXPECT_EQ(misses, kThumbnails) << "the first view rendered every thumbnail";
  EXPECT_EQ(log.find("status=503"), std::string::npos);

  chromium(site, "--window-size=1400,1000 --screenshot=" + site.file("gallery.png") + " " + page);
  Decoded screenshot = decode(read_file(site.file("gallery.png")));
  EXPECT_EQ(screenshot.width, 1400u);
  std::filesystem::copy_file(site.file("gallery.png"), "gallery.png",
                             std::filesystem::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace imgcache::testing

// Bad input, table-driven, through a real nginx in front of the real responder (issue:
// hardening): malformed and escaping URLs, files that are not images or are bombs, and
// hostile or broken origins. Every row has the status a client must get; after the
// table the responder must still serve, and the cache must hold only complete, valid
// entries.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

namespace fs = std::filesystem;

struct Row {
  const char* what;
  const char* path;
  long status;
  const char* method = "GET";
};

// Every complete entry decodes, its body has the size its meta records, and no
// temporary file is left. The table's good images made entries: an empty cache is not sound.
void expect_cache_is_sound(const std::string& cache_dir) {
  ASSERT_TRUE(fs::exists(cache_dir)) << cache_dir;
  int entries = 0;
  for (const auto& item : fs::recursive_directory_iterator(cache_dir)) {
    std::string path = item.path().string();
    EXPECT_EQ(path.find(".tmp-"), std::string::npos) << "leftover " << path;
    if (item.path().extension() != ".meta") continue;
    ++entries;
    std::string body_path = path.substr(0, path.size() - 5);
    std::string meta = read_file(path);
    auto size_at = meta.find("\nsize=");
    ASSERT_NE(size_at, std::string::npos) << path;
    std::string body = read_file(body_path);
    EXPECT_EQ(std::to_string(body.size()),
              meta.substr(size_at + 6, meta.find('\n', size_at + 1) - size_at - 6))
        << body_path;
    if (meta.find("content_type=image/") != std::string::npos) {
      EXPECT_NO_THROW(decode(body)) << body_path;
    }
  }
  EXPECT_GT(entries, 0) << "no entry in " << cache_dir;
}

// A JPEG whose frame header claims width × height.
std::string jpeg_claiming(unsigned width, unsigned height) {
  std::string jpeg = make_image(ImageFormat::jpeg, 64, 48);
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    auto marker = static_cast<unsigned char>(jpeg[i + 1]);
    if (static_cast<unsigned char>(jpeg[i]) == 0xff && (marker == 0xc0 || marker == 0xc2)) {
      jpeg[i + 5] = static_cast<char>(height >> 8);
      jpeg[i + 6] = static_cast<char>(height & 0xff);
      jpeg[i + 7] = static_cast<char>(width >> 8);
      jpeg[i + 8] = static_cast<char>(width & 0xff);
      break;
    }
  }
  return jpeg;
}

std::string gif_claiming(unsigned width, unsigned height) {
  std::string gif = make_animated_gif(8, 8, 1);
  gif[6] = static_cast<char>(width & 0xff);
  gif[7] = static_cast<char>(width >> 8);
  gif[8] = static_cast<char>(height & 0xff);
  gif[9] = static_cast<char>(height >> 8);
  return gif;
}

// The origin files of the table: things that are not images, broken images, bombs.
void write_hostile_files(const TempDir& origin) {
  std::string photo = make_image(ImageFormat::jpeg, 800, 600);
  std::string png = make_image(ImageFormat::png, 300, 200);
  std::string gif = make_animated_gif(200, 100, 3);
  origin.write("photo.jpg", photo);
  origin.write("anim.gif", gif);
  origin.write("text.txt", "just some text, long enough to be sniffed for magic bytes\n");
  origin.write("page.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"/>");
  origin.write("draw.mvg", "push graphic-context\nviewbox 0 0 100 100\nimage over 0,0 0,0 'x'\n");
  origin.write("doc.ps", "%!PS-Adobe-3.0\n/Helvetica findfont 12 scalefont setfont\nshowpage\n");
  origin.write("doc.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n");
  origin.write("scan.tif", std::string("II*\0\x08\0\0\0", 8) + std::string(64, '\0'));
  origin.write("icon.bmp", "BM" + std::string(64, '\0'));
  origin.write("page.jpg", "<html><body>Not found</body></html>" + std::string(40, ' '));
  origin.write("empty.jpg", "");
  origin.write("truncated.jpg", photo.substr(0, photo.size() / 3));
  origin.write("truncated.png", png.substr(0, png.size() / 3));
  origin.write("truncated.gif", gif.substr(0, gif.size() / 3));
  origin.write("bomb.png", make_png_bomb(30000, 30000));
  origin.write("bomb.gif", gif_claiming(65000, 65000));
  origin.write("bomb.jpg", jpeg_claiming(65000, 65000));
  origin.write("huge.jpg", photo + std::string(400 * 1024, '\0'));
  ::chmod(origin.path().c_str(), 0755);
}

TEST(BadInput, UrlsAndFilesGetTheirStatus) {
  TempDir origin;
  write_hostile_files(origin);
  Stack stack(
      {.config_lines = {"max_source_size = 300k", "max_source_pixels = 20000000", "max_frames = 2"},
       .origin_root = origin.path()});
  const Row rows[] = {
      {"zero width", "/image/0x100/photo.jpg", 400},
      {"zero height", "/image/100x0/photo.jpg", 400},
      {"over max_width", "/image/99999x100/photo.jpg", 400},
      {"overlong number", "/image/100x99999999999999999999/photo.jpg", 400},
      {"negative", "/image/-100x100/photo.jpg", 400},
      {"trailing comma", "/image/100x100,/photo.jpg", 400},
      {"empty option", "/image/100x100,,crop/photo.jpg", 400},
      {"quality 0", "/image/100x100,q0/photo.jpg", 400},
      {"quality 101", "/image/100x100,q101/photo.jpg", 400},
      {"odd rotation", "/image/100x100,r45/photo.jpg", 400},
      {"unknown format", "/image/100x100,bmp/photo.jpg", 400},
      {"two formats", "/image/100x100,jpeg,png/photo.jpg", 400},
      {"encoded dots", "/image/100x100/%2e%2e/etc/passwd", 400},
      {"double-encoded dots", "/image/100x100/%252e%252e/etc/passwd", 400},
      {"encoded slash", "/image/100x100/..%2fetc%2fpasswd", 400},
      {"encoded backslash", "/image/100x100/a%5c..%5cphoto.jpg", 400},
      {"encoded NUL", "/image/100x100/photo.jpg%00.png", 400},
      {"scheme smuggling", "/image/100x100/http://evil.example/x.jpg", 400},
      {"protocol-relative", "/image/100x100//evil.example/x.jpg", 400},
      {"userinfo is just a path", "/image/100x100/@evil.example/x.jpg", 404},
      {"header injection", "/image/100x100/a%0d%0aX-Injected:%201/photo.jpg", 400},
      {"bad escape", "/image/100x100/%zz.jpg", 400},
      {"truncated escape", "/image/100x100/photo.jpg%2", 400},
      {"no source path", "/image/100x100", 400},
      {"no operation", "/image/", 400},
      {"POST", "/image/100x100/photo.jpg", 405, "POST"},
      {"DELETE", "/image/100x100/photo.jpg", 405, "DELETE"},
      {"missing source", "/image/100x100/missing.jpg", 404},
      {"text", "/image/100x100/text.txt", 415},
      {"SVG", "/image/100x100/page.svg", 415},
      {"MVG", "/image/100x100/draw.mvg", 415},
      {"PostScript", "/image/100x100/doc.ps", 415},
      {"PDF", "/image/100x100/doc.pdf", 415},
      {"TIFF", "/image/100x100/scan.tif", 415},
      {"BMP", "/image/100x100/icon.bmp", 415},
      {"HTML named .jpg", "/image/100x100/page.jpg", 415},
      {"empty file", "/image/100x100/empty.jpg", 415},
      {"truncated JPEG", "/image/100x100/truncated.jpg", 415},
      {"truncated PNG", "/image/100x100/truncated.png", 415},
      {"truncated GIF", "/image/100x100/truncated.gif", 415},
      {"PNG bomb", "/image/100x100/bomb.png", 415},
      {"GIF bomb", "/image/100x100/bomb.gif", 415},
      {"JPEG bomb", "/image/100x100/bomb.jpg", 415},
      {"too many frames", "/image/100x100/anim.gif", 415},
      {"over max_source_size", "/image/100x100/huge.jpg", 415},
      {"info of a non-image", "/image/info/doc.pdf", 415},
  };
  for (const Row& row : rows) {
    HttpResult r = stack.get(row.path, {}, row.method);
    EXPECT_EQ(r.status, row.status) << row.what << ": " << row.path << " → " << r.body;
    if (r.status >= 400) {
      EXPECT_LT(r.body.size(), 200u) << row.what;
      EXPECT_EQ(r.body.find(origin.path()), std::string::npos) << row.what << " leaks a path";
    }
  }
  // Still serving, and nothing broken was cached.
  EXPECT_EQ(decode(stack.get("/image/100x100/photo.jpg").body).width, 100u);
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
  expect_cache_is_sound(stack.cache_dir());
}

// "HTTP/1.1 200" with `body` sent in chunks of 64 KiB: no Content-Length to refuse it by.
ScriptedReply chunked_reply(const std::string& body) {
  std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 64 * 1024) {
    std::string chunk = body.substr(at, 64 * 1024);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    raw += size + chunk + "\r\n";
  }
  return {raw + "0\r\n\r\n"};
}

// The request lines and headers the origin received for `path`.
std::vector<std::string> requests_for(const ScriptedOrigin& origin, const std::string& path) {
  std::vector<std::string> found;
  for (const std::string& request : origin.requests()) {
    if (request.rfind("GET " + path + " ", 0) == 0) found.push_back(request);
  }
  return found;
}

// Each hostile answer carries a real image, so a row passes only while its guard holds: a
// redirect elsewhere leads to a server that would serve it, the oversized bodies decode, the
// gzip body is an image once inflated.
TEST(BadInput, HostileOriginsGetTheirStatus) {
  const std::string photo = make_image(ImageFormat::jpeg, 400, 300);
  const std::string big = make_noise_png(400, 300);
  ASSERT_GT(big.size(), 300u * 1024) << "the oversized image must pass max_source_size";
  ScriptedOrigin elsewhere(delayed(std::chrono::milliseconds(0), photo));
  ScriptedOrigin ftp_port(delayed(std::chrono::milliseconds(0), photo));
  int port = 0;
  ScriptedOrigin origin([&](const std::string& path) -> ScriptedReply {
    const std::string self = "http://127.0.0.1:" + std::to_string(port);
    if (path == "/ok.jpg") return http_reply(200, photo, "Content-Type: image/jpeg\r\n");
    if (path == "/404.jpg") return http_reply(404, "<html>gone</html>");
    if (path == "/410.jpg") return http_reply(410, "gone");
    if (path == "/500.jpg") return http_reply(500, "<html>oops</html>");
    if (path == "/403.jpg") return http_reply(403, "<html>denied</html>");
    if (path == "/away.jpg")
      return http_reply(302, "", "Location: " + elsewhere.url() + "/ok.jpg\r\n");
    if (path == "/allowed.jpg") {
      return http_reply(302, "",
                        "Location: http://localhost:" + std::to_string(port) + "/ok.jpg\r\n");
    }
    if (path == "/same-host.jpg") return http_reply(301, "", "Location: " + self + "/ok.jpg\r\n");
    if (path == "/loop.jpg") return http_reply(302, "", "Location: " + self + "/loop.jpg\r\n");
    if (path == "/ftp.jpg") {
      return http_reply(
          302, "", "Location: ftp://127.0.0.1:" + std::to_string(ftp_port.port()) + "/ok.jpg\r\n");
    }
    if (path == "/userinfo-same-host.jpg") {
      return http_reply(302, "",
                        "Location: http://user@127.0.0.1:" + std::to_string(port) + "/ok.jpg\r\n");
    }
    if (path == "/userinfo.jpg") {  // parsers disagree on where such a host begins
      return http_reply(
          302, "",
          "Location: http://evil@127.0.0.2@127.0.0.1:" + std::to_string(port) + "/ok.jpg\r\n");
    }
    if (path == "/big-length.png") return http_reply(200, big);
    if (path == "/big-chunked.png") return chunked_reply(big);
    if (path == "/drip.jpg") {
      ScriptedReply reply = http_reply(200, photo);
      reply.mode = ScriptedReply::Mode::drip;
      return reply;
    }
    if (path == "/cut.jpg") {
      ScriptedReply reply = http_reply(200, photo);
      reply.mode = ScriptedReply::Mode::cut;
      return reply;
    }
    if (path == "/gzip.jpg") {
      // Sent compressed although imgcache asks for identity: not an image as received.
      return http_reply(200, run_command("gzip -c " + fixtures_dir() + "/small.jpg"),
                        "Content-Encoding: gzip\r\n");
    }
    if (path == "/html-200.jpg")
      return http_reply(200, "<html>soft 404 page</html>" + std::string(30, ' '));
    return http_reply(404, "");
  });
  port = origin.port();
  Stack stack({.config_lines = {"max_source_size = 300k", "fetch_timeout = 1s",
                                "origin_allow_redirect_hosts = localhost:" + std::to_string(port)},
               .origin = origin.url()});
  const Row rows[] = {
      {"origin 404", "/image/100x100/404.jpg", 404},
      {"origin 410", "/image/100x100/410.jpg", 404},
      {"origin 500", "/image/100x100/500.jpg", 502},
      {"origin 403", "/image/100x100/403.jpg", 502},
      {"redirect to another port", "/image/100x100/away.jpg", 502},
      {"redirect to an allowed host", "/image/100x100/allowed.jpg", 200},
      {"redirect on the same host", "/image/100x100/same-host.jpg", 200},
      {"redirect loop", "/image/100x100/loop.jpg", 502},
      {"redirect to ftp", "/image/100x100/ftp.jpg", 502},
      {"redirect with user information", "/image/100x100/userinfo.jpg", 502},
      {"redirect with user information, same host", "/image/100x100/userinfo-same-host.jpg", 502},
      {"Content-Length over max_source_size", "/image/100x100/big-length.png", 415},
      {"chunked body over max_source_size", "/image/100x100/big-chunked.png", 415},
      {"slowloris origin", "/image/100x100/drip.jpg", 504},
      {"connection reset mid-body", "/image/100x100/cut.jpg", 502},
      {"gzip despite identity", "/image/100x100/gzip.jpg", 415},
      {"soft 404 HTML with 200", "/image/100x100/html-200.jpg", 415},
      {"good image", "/image/100x100/ok.jpg", 200},
  };
  for (const Row& row : rows) {
    auto start = std::chrono::steady_clock::now();
    HttpResult r = stack.get(row.path, {}, row.method);
    EXPECT_EQ(r.status, row.status) << row.what << ": " << row.path << " → " << r.body;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << row.what;
  }
  // What the guards did: nothing reached the hosts a redirect may not lead to, and the
  // compressed body came although identity was asked for.
  EXPECT_TRUE(elsewhere.requests().empty()) << "followed a redirect to another port";
  EXPECT_TRUE(ftp_port.requests().empty()) << "followed a redirect to ftp";
  const std::vector<std::string> gzip = requests_for(origin, "/gzip.jpg");
  ASSERT_EQ(gzip.size(), 1u);
  EXPECT_NE(gzip[0].find("\r\nAccept-Encoding: identity"), std::string::npos) << gzip[0];
  EXPECT_EQ(requests_for(origin, "/loop.jpg").size(), 4u) << "the first and three redirects";
  const std::string log = stack.responder_log();
  EXPECT_NE(log.find("redirect to a host not allowed: ftp://"), std::string::npos) << log;
  EXPECT_NE(log.find("source larger than max_source_size: " + origin.url() + "/big-chunked.png"),
            std::string::npos)
      << log;
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
  expect_cache_is_sound(stack.cache_dir());
}

}  // namespace
}  // namespace imgcache::testing

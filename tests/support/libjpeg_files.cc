#include "tests/support/libjpeg_files.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
// clang-format on

#include <Magick++.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

[[noreturn]] void throw_error(j_common_ptr info) {
  char message[JMSG_LENGTH_MAX];
  (*info->err->format_message)(info, message);
  throw std::runtime_error(message);
}

// The DC scans one component at a time (first pass, then refinement), between them the
// AC scans in two passes.
std::vector<jpeg_scan_info> dc_per_component_script(int components) {
  std::vector<jpeg_scan_info> script;
  auto scan = [&](int component, int ss, int se, int ah, int al) {
    jpeg_scan_info info{};
    info.comps_in_scan = 1;
    info.component_index[0] = component;
    info.Ss = ss;
    info.Se = se;
    info.Ah = ah;
    info.Al = al;
    script.push_back(info);
  };
  for (int c = 0; c < components; ++c) scan(c, 0, 0, 0, 1);
  for (int c = 0; c < components; ++c) scan(c, 1, 63, 0, 1);
  for (int c = 0; c < components; ++c) scan(c, 0, 0, 1, 0);
  for (int c = 0; c < components; ++c) scan(c, 1, 63, 1, 0);
  return script;
}

// The DC in three passes, then each AC coefficient of each component on its own, in three.
std::vector<jpeg_scan_info> scan_per_coefficient_script(int components) {
  std::vector<jpeg_scan_info> script;
  auto scan = [&](int count, int ss, int se, int ah, int al) {
    jpeg_scan_info info{};
    info.comps_in_scan = count;
    for (int c = 0; c < 4; ++c) info.component_index[c] = c;
    info.Ss = ss;
    info.Se = se;
    info.Ah = ah;
    info.Al = al;
    script.push_back(info);
  };
  scan(components, 0, 0, 0, 2);
  scan(components, 0, 0, 2, 1);
  scan(components, 0, 0, 1, 0);
  for (int c = 0; c < components; ++c) {
    for (int k = 1; k < 64; ++k) {
      scan(1, k, k, 0, 2);
      script.back().component_index[0] = c;
      scan(1, k, k, 2, 1);
      script.back().component_index[0] = c;
      scan(1, k, k, 1, 0);
      script.back().component_index[0] = c;
    }
  }
  return script;
}

}  // namespace

std::string make_libjpeg_progressive(unsigned width, unsigned height,
                                     const ProgressiveLayout& layout) {
  const std::string png = make_image(ImageFormat::png, width, height);
  Magick::Image picture(Magick::Blob(png.data(), png.size()));
  const int components = layout.grey ? 1 : 3;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * components);
  picture.write(0, 0, width, height, layout.grey ? "I" : "RGB", Magick::CharPixel, pixels.data());

  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  errors.error_exit = throw_error;
  jpeg_create_compress(&info);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&info, &out, &out_size);
  info.image_width = width;
  info.image_height = height;
  info.input_components = components;
  info.in_color_space = layout.grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, 90, TRUE);
  if (layout.rgb) {
    jpeg_set_colorspace(&info, JCS_RGB);
  } else if (!layout.grey) {
    info.comp_info[0].h_samp_factor = static_cast<int>(layout.luma_h);
    info.comp_info[0].v_samp_factor = static_cast<int>(layout.luma_v);
  }
  info.restart_in_rows = static_cast<int>(layout.restart_rows);
  std::vector<jpeg_scan_info> script;
  if (layout.dc_scan_per_component || layout.scan_per_coefficient) {
    script = layout.scan_per_coefficient ? scan_per_coefficient_script(components)
                                         : dc_per_component_script(components);
    info.scan_info = script.data();
    info.num_scans = static_cast<int>(script.size());
  } else {
    jpeg_simple_progression(&info);
  }
  jpeg_start_compress(&info, TRUE);
  const std::size_t stride = static_cast<std::size_t>(width) * components;
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = &pixels[info.next_scanline * stride];
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  std::string bytes(reinterpret_cast<const char*>(out), out_size);
  jpeg_destroy_compress(&info);
  std::free(out);
  return bytes;
}

namespace {

// libjpeg's decompressor with the file's header read; destroyed with it.
class Reader {
 public:
  explicit Reader(const std::string& jpeg) {
    info.err = jpeg_std_error(&errors_);
    errors_.error_exit = throw_error;
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
    jpeg_read_header(&info, TRUE);
  }
  ~Reader() { jpeg_destroy_decompress(&info); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  jpeg_decompress_struct info{};

 private:
  jpeg_error_mgr errors_{};
};

}  // namespace

std::vector<std::uint8_t> libjpeg_scaled(const std::string& jpeg, unsigned denominator) {
  Reader reader(jpeg);
  jpeg_decompress_struct& info = reader.info;
  info.scale_num = 1;
  info.scale_denom = denominator;
  info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  const std::size_t stride = static_cast<std::size_t>(info.output_width) * info.output_components;
  std::vector<std::uint8_t> samples(stride * info.output_height);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = &samples[info.output_scanline * stride];
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  return samples;
}

std::vector<LibjpegCoefficients> libjpeg_coefficients(const std::string& jpeg) {
  Reader reader(jpeg);
  jpeg_decompress_struct& info = reader.info;
  jvirt_barray_ptr* arrays = jpeg_read_coefficients(&info);
  std::vector<LibjpegCoefficients> out(static_cast<std::size_t>(info.num_components));
  for (int c = 0; c < info.num_components; ++c) {
    const jpeg_component_info& component = info.comp_info[c];
    LibjpegCoefficients& mine = out[static_cast<std::size_t>(c)];
    mine.blocks_across = component.width_in_blocks;
    mine.blocks_down = component.height_in_blocks;
    for (JDIMENSION row = 0; row < component.height_in_blocks; ++row) {
      JBLOCKARRAY blocks = (*info.mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(&info),
                                                           arrays[c], row, 1, FALSE);
      for (JDIMENSION column = 0; column < component.width_in_blocks; ++column) {
        mine.blocks.insert(mine.blocks.end(), blocks[0][column], blocks[0][column] + DCTSIZE2);
      }
    }
  }
  jpeg_finish_decompress(&info);
  return out;
}

double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  if (a.size() != b.size() || a.empty()) throw std::invalid_argument("psnr: sizes differ");
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double difference = static_cast<double>(a[i]) - b[i];
    sum += difference * difference;
  }
  if (sum == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / (sum / static_cast<double>(a.size())));
}

}  // namespace imgcache::testing

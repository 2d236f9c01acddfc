#include "core/imaging/jpeg_dc_picture.h"

#include <algorithm>

#include "core/imaging/jpeg_dc_scans.h"
#include "core/imaging/jpeg_segments.h"

namespace imgcache {
namespace {

// Each block's level at 1/8 scale: its DC coefficient through libjpeg's 1x1 inverse DCT,
// limited to 0..255.
std::vector<float> block_levels(const jpeg::DcComponent& component) {
  std::vector<float> levels(component.dc.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double value = component.dc[i] * static_cast<double>(component.dc_quant);
    levels[i] = static_cast<float>(std::clamp(value / 8.0 + 128.0, 0.0, 255.0));
  }
  return levels;
}

// Where each pixel along one axis of the picture falls between a component's blocks (with
// `factor` of `max_factor` samples): block centres are half a block in.
struct Between {
  unsigned first;
  unsigned second;
  float weight;  // of the second
};
std::vector<Between> between(unsigned pixels, unsigned factor, unsigned max_factor,
                             unsigned blocks) {
  std::vector<Between> out(pixels);
  for (unsigned at = 0; at < pixels; ++at) {
    const double position = std::max(0.0, (at + 0.5) * factor / max_factor - 0.5);
    const unsigned first = std::min(static_cast<unsigned>(position), blocks - 1);
    out[at] = {first, std::min(first + 1, blocks - 1), static_cast<float>(position - first)};
  }
  return out;
}

// One component over the whole picture, a float per pixel; subsampled components are
// interpolated between block centres, as libjpeg's fancy upsampling does.
std::vector<float> plane(const jpeg::DcScans& scans, const jpeg::DcComponent& component,
                         unsigned width, unsigned height) {
  const unsigned max_h = scans.max_h(), max_v = scans.max_v();
  const std::vector<float> levels = block_levels(component);
  const std::size_t stride = component.blocks_across;
  std::vector<float> out(static_cast<std::size_t>(width) * height);
  if (component.h == max_h && component.v == max_v) {
    for (unsigned y = 0; y < height; ++y) {
      std::copy_n(&levels[y * stride], width, &out[static_cast<std::size_t>(y) * width]);
    }
    return out;
  }
  const std::vector<Between> across = between(width, component.h, max_h, component.blocks_across);
  const std::vector<Between> down = between(height, component.v, max_v, component.blocks_down);
  for (unsigned y = 0; y < height; ++y) {
    const float* upper = &levels[down[y].first * stride];
    const float* lower = &levels[down[y].second * stride];
    const float below = down[y].weight;
    for (unsigned x = 0; x < width; ++x) {
      const Between& a = across[x];
      const float top = upper[a.first] + (upper[a.second] - upper[a.first]) * a.weight;
      const float bottom = lower[a.first] + (lower[a.second] - lower[a.first]) * a.weight;
      out[static_cast<std::size_t>(y) * width + x] = top + (bottom - top) * below;
    }
  }
  return out;
}

std::uint8_t to_byte(float value) {
  return static_cast<std::uint8_t>(std::clamp(value + 0.5f, 0.0f, 255.0f));
}

DcPicture picture(const jpeg::DcScans& scans, bool rgb) {
  DcPicture out;
  out.width = (scans.width() + 7) / 8;
  out.height = (scans.height() + 7) / 8;
  out.grey = scans.components().size() == 1;
  const std::size_t pixels = static_cast<std::size_t>(out.width) * out.height;
  const std::vector<float> first = plane(scans, scans.components()[0], out.width, out.height);
  if (out.grey) {
    out.samples.resize(pixels);
    std::transform(first.begin(), first.end(), out.samples.begin(), to_byte);
    return out;
  }
  const std::vector<float> second = plane(scans, scans.components()[1], out.width, out.height);
  const std::vector<float> third = plane(scans, scans.components()[2], out.width, out.height);
  out.samples.resize(pixels * 3);
  std::uint8_t* sample = out.samples.data();
  for (std::size_t i = 0; i < pixels; ++i, sample += 3) {
    if (rgb) {
      sample[0] = to_byte(first[i]);
      sample[1] = to_byte(second[i]);
      sample[2] = to_byte(third[i]);
      continue;
    }
    const float y = first[i], cb = second[i] - 128.0f, cr = third[i] - 128.0f;  // JFIF
    sample[0] = to_byte(y + 1.402f * cr);
    sample[1] = to_byte(y - 0.344136f * cb - 0.714136f * cr);
    sample[2] = to_byte(y + 1.772f * cb);
  }
  return out;
}

// Every DC coefficient of the file; AC scans and other segments are passed over.
jpeg::DcScans read_dc_scans(std::string_view jpeg) {
  jpeg::DcScans scans;
  jpeg::walk_segments(jpeg, [&scans](const jpeg::Segment& segment) {
    if (jpeg::is_frame_marker(segment.marker)) {
      jpeg::require(segment.marker == jpeg::kProgressiveHuffman && scans.components().empty());
      scans.read_frame(segment.payload);
    } else if (segment.marker == jpeg::kDht) {
      scans.read_huffman_tables(segment.payload);
    } else if (segment.marker == jpeg::kDqt) {
      scans.read_quant_tables(segment.payload);
    } else if (segment.marker == jpeg::kDri) {
      scans.read_restart_interval(segment.payload);
    } else if (segment.marker == jpeg::kSos) {
      jpeg::require(!scans.components().empty());
      scans.read_scan(segment.payload, segment.scan_data);
    }
  });
  scans.require_complete();
  return scans;
}

}  // namespace

std::optional<DcPicture> progressive_jpeg_dc_picture(std::string_view jpeg, bool rgb) {
  try {
    return picture(read_dc_scans(jpeg), rgb);
  } catch (const jpeg::Refused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache

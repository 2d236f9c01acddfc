#include "core/imaging/jpeg_scaled_picture.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/imaging/jpeg_scans.h"
#include "core/imaging/jpeg_segments.h"

namespace imgcache {
namespace {

// One component's samples at the picture's scale, over its whole block grid.
struct Plane {
  unsigned width = 0;
  unsigned height = 0;
  std::vector<std::uint8_t> samples;
};

// The inverse DCT of the top-left n × n coefficients of a block into n × n samples: JPEG's
// 8-point inverse DCT (A.3.3) with n points, which keeps the same level for the DC.
class ScaledIdct {
 public:
  explicit ScaledIdct(unsigned n) : n_(n) {
    for (unsigned x = 0; x < n; ++x) {
      for (unsigned u = 0; u < n; ++u) {
        const double weight = u == 0 ? std::numbers::sqrt2 / 2 : 1.0;
        basis_[x * n + u] =
            static_cast<float>(weight * std::cos((2 * x + 1) * u * std::numbers::pi / (2 * n)) / 2);
      }
    }
  }

  void operator()(const std::int16_t* coefficients, const std::uint16_t* quant, std::uint8_t* out,
                  std::size_t stride) const {
    std::array<float, 16> rows{};  // rows[v * n + x]: each row of frequencies along x
    for (unsigned v = 0; v < n_; ++v) {
      for (unsigned x = 0; x < n_; ++x) {
        float sum = 0;
        for (unsigned u = 0; u < n_; ++u) {
          sum +=
              static_cast<float>(coefficients[v * n_ + u] * quant[v * n_ + u]) * basis_[x * n_ + u];
        }
        rows[v * n_ + x] = sum;
      }
    }
    for (unsigned y = 0; y < n_; ++y) {
      for (unsigned x = 0; x < n_; ++x) {
        float sum = 128.0f;
        for (unsigned v = 0; v < n_; ++v) sum += basis_[y * n_ + v] * rows[v * n_ + x];
        out[y * stride + x] =
            static_cast<std::uint8_t>(std::clamp(std::floor(sum + 0.5f), 0.0f, 255.0f));
      }
    }
  }

 private:
  unsigned n_;
  std::array<float, 16> basis_{};  // basis_[x * n + u]
};

Plane plane_of(const jpeg::ScanComponent& component, unsigned n) {
  Plane plane{component.blocks_across * n, component.blocks_down * n, {}};
  plane.samples.resize(std::size_t{plane.width} * plane.height);
  const ScaledIdct idct(n);
  const std::size_t block_size = std::size_t{n} * n;
  for (unsigned row = 0; row < component.blocks_down; ++row) {
    for (unsigned column = 0; column < component.blocks_across; ++column) {
      const std::size_t block = std::size_t{row} * component.blocks_across + column;
      idct(&component.coefficients[block * block_size], component.quant.data(),
           &plane.samples[std::size_t{row} * n * plane.width + std::size_t{column} * n],
           plane.width);
    }
  }
  return plane;
}

// A component's samples along one axis that hold the picture, at n/8 scale: the padding
// of its last block left out, as libjpeg's upsampling leaves it.
unsigned held(unsigned pixels, unsigned factor, unsigned max_factor, unsigned n) {
  const unsigned samples = (pixels * factor + max_factor - 1) / max_factor;
  return (samples * n + 7) / 8;
}

// Where each pixel along one axis of the picture falls between a component's samples
// (with `factor` of `max_factor` samples): sample centres are half a sample in.
struct Between {
  unsigned first;
  unsigned second;
  float weight;  // of the second
};
std::vector<Between> between(unsigned pixels, unsigned factor, unsigned max_factor,
                             unsigned samples) {
  std::vector<Between> out(pixels);
  for (unsigned at = 0; at < pixels; ++at) {
    const double position = std::max(0.0, (at + 0.5) * factor / max_factor - 0.5);
    const unsigned first = std::min(static_cast<unsigned>(position), samples - 1);
    out[at] = {first, std::min(first + 1, samples - 1), static_cast<float>(position - first)};
  }
  return out;
}

std::uint8_t to_byte(float value) {
  return static_cast<std::uint8_t>(std::clamp(value + 0.5f, 0.0f, 255.0f));
}

}  // namespace

// One component's row `y` of the picture, a float per pixel; subsampled components are
// interpolated between sample centres, as libjpeg's fancy upsampling does.
class ScaledUpsampler {
 public:
  ScaledUpsampler(const jpeg::Scans& scans, const jpeg::ScanComponent& component, Plane plane,
                  unsigned width, unsigned height)
      : plane_(std::move(plane)),
        across_(between(width, component.h, scans.max_h(),
                        held(scans.width(), component.h, scans.max_h(), scans.kept()))),
        down_(between(height, component.v, scans.max_v(),
                      held(scans.height(), component.v, scans.max_v(), scans.kept()))) {}

  void row(unsigned y, std::span<float> out) const {
    const std::uint8_t* upper = &plane_.samples[std::size_t{down_[y].first} * plane_.width];
    const std::uint8_t* lower = &plane_.samples[std::size_t{down_[y].second} * plane_.width];
    const float below = down_[y].weight;
    for (std::size_t x = 0; x < out.size(); ++x) {
      const Between& a = across_[x];
      const float top = upper[a.first] + (upper[a.second] - upper[a.first]) * a.weight;
      const float bottom = lower[a.first] + (lower[a.second] - lower[a.first]) * a.weight;
      out[x] = top + (bottom - top) * below;
    }
  }

 private:
  Plane plane_;
  std::vector<Between> across_;
  std::vector<Between> down_;
};

ScaledPicture::ScaledPicture(unsigned width, unsigned height, bool rgb,
                             std::vector<ScaledUpsampler> components)
    : width_(width),
      height_(height),
      rgb_(rgb),
      components_(std::move(components)),
      rows_(std::size_t{width} * components_.size()) {}
ScaledPicture::ScaledPicture(ScaledPicture&&) noexcept = default;
ScaledPicture& ScaledPicture::operator=(ScaledPicture&&) noexcept = default;
ScaledPicture::~ScaledPicture() = default;

bool ScaledPicture::grey() const { return components_.size() == 1; }

void ScaledPicture::row(unsigned y, std::span<std::uint8_t> out) const {
  const std::size_t channels = components_.size();
  for (std::size_t c = 0; c < channels; ++c) {
    components_[c].row(y, std::span(rows_).subspan(c * width_, width_));
  }
  const float* first = rows_.data();
  const float* second = first + width_;
  const float* third = second + width_;
  std::uint8_t* sample = out.data();
  for (unsigned x = 0; x < width_; ++x, sample += channels) {
    if (channels == 1) {
      sample[0] = to_byte(first[x]);
    } else if (rgb_) {
      sample[0] = to_byte(first[x]);
      sample[1] = to_byte(second[x]);
      sample[2] = to_byte(third[x]);
    } else {
      const float luma = first[x], cb = second[x] - 128.0f, cr = third[x] - 128.0f;  // JFIF
      sample[0] = to_byte(luma + 1.402f * cr);
      sample[1] = to_byte(luma - 0.344136f * cb - 0.714136f * cr);
      sample[2] = to_byte(luma + 1.772f * cb);
    }
  }
}

std::vector<std::uint8_t> ScaledPicture::samples() const {
  const std::size_t stride = std::size_t{width_} * components_.size();
  std::vector<std::uint8_t> out(stride * height_);
  for (unsigned y = 0; y < height_; ++y) row(y, std::span(out).subspan(y * stride, stride));
  return out;
}

namespace {

// Each component's samples from its coefficients, which go as soon as they are used.
ScaledPicture picture(jpeg::Scans& scans, bool rgb) {
  const unsigned n = scans.kept();
  const unsigned width = (scans.width() * n + 7) / 8;
  const unsigned height = (scans.height() * n + 7) / 8;
  std::vector<ScaledUpsampler> components;
  for (std::size_t c = 0; c < scans.components().size(); ++c) {
    components.emplace_back(scans, scans.components()[c], plane_of(scans.components()[c], n), width,
                            height);
    scans.release(c);
  }
  return ScaledPicture(width, height, rgb, std::move(components));
}

}  // namespace

std::optional<ScaledPicture> progressive_jpeg_picture(std::string_view jpeg, unsigned denominator,
                                                      bool rgb) {
  if (denominator != 8 && denominator != 4 && denominator != 2) return std::nullopt;
  try {
    jpeg::Scans scans = jpeg::read_progressive_scans(jpeg, 8 / denominator);
    return picture(scans, rgb);
  } catch (const jpeg::Refused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache

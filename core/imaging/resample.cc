#include "core/imaging/resample.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace imgcache {
namespace {

double support_of(ResizeFilter filter) {
  switch (filter) {
    case ResizeFilter::lanczos:
      return 3.0;
    case ResizeFilter::catrom:
    case ResizeFilter::mitchell:
      return 2.0;
    case ResizeFilter::triangle:
      return 1.0;
  }
  return 3.0;
}

// The cubic B-spline family of Mitchell and Netravali.
double bc_cubic(double x, double b, double c) {
  x = std::abs(x);
  if (x < 1.0) {
    return ((12 - 9 * b - 6 * c) * x * x * x + (-18 + 12 * b + 6 * c) * x * x + (6 - 2 * b)) / 6;
  }
  if (x < 2.0) {
    return ((-b - 6 * c) * x * x * x + (6 * b + 30 * c) * x * x + (-12 * b - 48 * c) * x +
            (8 * b + 24 * c)) /
           6;
  }
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

double kernel(ResizeFilter filter, double x) {
  switch (filter) {
    case ResizeFilter::lanczos:
      return std::abs(x) < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case ResizeFilter::catrom:
      return bc_cubic(x, 0.0, 0.5);
    case ResizeFilter::mitchell:
      return bc_cubic(x, 1.0 / 3.0, 1.0 / 3.0);
    case ResizeFilter::triangle:
      return std::max(0.0, 1.0 - std::abs(x));
  }
  return 0.0;
}

// Weights come in groups of this many taps, the last one padded with zeros.
constexpr unsigned kTapGroup = 2;

// For each output position along one axis: the first source position it reads and its
// weights (stride `widest`, unused ones zero).
struct AxisWeights {
  std::vector<unsigned> first;
  std::vector<float> weights;
  unsigned widest = kTapGroup;
};

AxisWeights axis_weights(unsigned from, unsigned to, ResizeFilter filter) {
  AxisWeights axis;
  axis.first.resize(to);
  if (from == to) {
    axis.weights.assign(static_cast<std::size_t>(to) * axis.widest, 0.0f);
    for (unsigned i = 0; i < to; ++i) {
      axis.first[i] = i;
      axis.weights[static_cast<std::size_t>(i) * axis.widest] = 1.0f;
    }
    return axis;
  }
  const double scale = static_cast<double>(to) / from;
  const double stretch = std::max(1.0, 1.0 / scale);  // the kernel widens when shrinking
  const double support = support_of(filter) * stretch;
  const unsigned reach = static_cast<unsigned>(std::ceil(2 * support)) + 1;
  axis.widest = (reach + kTapGroup - 1) / kTapGroup * kTapGroup;
  axis.weights.assign(static_cast<std::size_t>(to) * axis.widest, 0.0f);
  std::vector<double> taps(axis.widest);
  for (unsigned i = 0; i < to; ++i) {
    const double centre = (i + 0.5) / scale;
    const auto first = static_cast<unsigned>(std::max(0.0, std::floor(centre - support + 0.5)));
    const auto end = static_cast<unsigned>(
        std::clamp(std::floor(centre + support + 0.5), first + 1.0, static_cast<double>(from)));
    const unsigned count = std::min(end - first, axis.widest);
    double sum = 0.0;
    for (unsigned k = 0; k < count; ++k) {
      taps[k] = kernel(filter, (first + k + 0.5 - centre) / stretch);
      sum += taps[k];
    }
    axis.first[i] = first;
    float* weights = &axis.weights[static_cast<std::size_t>(i) * axis.widest];
    if (sum == 0.0) {  // no tap inside the kernel: take the nearest pixel
      weights[0] = 1.0f;
      continue;
    }
    for (unsigned k = 0; k < count; ++k) weights[k] = static_cast<float>(taps[k] / sum);
  }
  return axis;
}

// Four channels in one SSE register.
using Pixel = float __attribute__((vector_size(kResampleChannels * sizeof(float))));

const Pixel* pixels(std::span<const float> row) {
  return reinterpret_cast<const Pixel*>(row.data());
}

Pixel* pixels(std::span<float> row) { return reinterpret_cast<Pixel*>(row.data()); }

// One source row filtered across: out.size() / 4 pixels from source.
void filter_across(const AxisWeights& across, std::span<const float> source, std::span<float> out) {
  const Pixel* in = pixels(source);
  Pixel* filtered = pixels(out);
  const std::size_t width = out.size() / kResampleChannels;
  const unsigned taps = across.widest;
  const float* weights = across.weights.data();
  for (std::size_t x = 0; x < width; ++x, weights += taps) {
    const Pixel* first = in + across.first[x];
    // One sum per tap of a group, so additions do not all wait on each other.
    Pixel sum[kTapGroup] = {};
    for (unsigned k = 0; k < taps; k += kTapGroup) {
      for (unsigned j = 0; j < kTapGroup; ++j) sum[j] += weights[k + j] * first[k + j];
    }
    Pixel total = {};
    for (const Pixel& part : sum) total += part;
    filtered[x] = total;
  }
}

}  // namespace

void resample(Size from, Size to, ResizeFilter filter, const ReadRow& read_row,
              const WriteRow& write_row) {
  const AxisWeights across = axis_weights(from.width, to.width, filter);
  const AxisWeights down = axis_weights(from.height, to.height, filter);
  const std::size_t out_stride = static_cast<std::size_t>(to.width) * kResampleChannels;

  // The source row, padded so the widest kernel never reads past it.
  std::vector<float> source(
      (static_cast<std::size_t>(from.width) + across.widest) * kResampleChannels, 0.0f);
  // Filtered rows, source row r in slot r % down.widest: an output row reads at most
  // down.widest consecutive ones, and the first it reads never goes back.
  std::vector<float> filtered(out_stride * down.widest);
  std::vector<float> out(out_stride);
  unsigned next_source_row = 0;
  for (unsigned y = 0; y < to.height; ++y) {
    const unsigned first = down.first[y];
    const float* weights = &down.weights[static_cast<std::size_t>(y) * down.widest];
    unsigned end = first;
    for (unsigned k = 0; k < down.widest; ++k) {
      if (weights[k] != 0.0f) end = first + k + 1;
    }
    for (; next_source_row < end; ++next_source_row) {
      read_row(next_source_row, std::span<float>(source).first(
                                    static_cast<std::size_t>(from.width) * kResampleChannels));
      filter_across(across, source,
                    std::span<float>(filtered).subspan((next_source_row % down.widest) * out_stride,
                                                       out_stride));
    }
    std::fill(out.begin(), out.end(), 0.0f);
    Pixel* sum = pixels(std::span<float>(out));
    for (unsigned row = first; row < end; ++row) {
      const float weight = weights[row - first];
      const Pixel* in = pixels(
          std::span<const float>(filtered).subspan((row % down.widest) * out_stride, out_stride));
      for (unsigned x = 0; x < to.width; ++x) sum[x] += weight * in[x];
    }
    write_row(y, out);
  }
}

}  // namespace imgcache

// Separable resampling, the arithmetic of GraphicsMagick's resize (a kernel stretched by the
// shrink factor, sampled at pixel centres and normalised) in single precision, with each
// axis's weights computed once and only the source rows the current output row needs held
// in memory. Pixels are four floats in [0, 1]: three colour channels premultiplied by alpha
// (in whatever order the caller keeps them), then alpha, so a transparent pixel lends no
// colour to its neighbours.
#pragma once

#include <functional>
#include <span>

#include "core/imaging/resize_plan.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

inline constexpr unsigned kResampleChannels = 4;

// Fills `row` (from.width pixels) with source row `y`.
using ReadRow = std::function<void(unsigned y, std::span<float> row)>;
// Takes output row `y` (to.width pixels).
using WriteRow = std::function<void(unsigned y, std::span<const float> row)>;

// Reads each source row once, in order, and writes each output row once, in order. An axis
// whose length does not change is copied, not filtered.
void resample(Size from, Size to, ResizeFilter filter, const ReadRow& read_row,
              const WriteRow& write_row);

}  // namespace imgcache

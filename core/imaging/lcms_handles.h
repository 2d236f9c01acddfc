// Owning handles for Little CMS profiles and transforms: closed or deleted when they go.
#pragma once

#include <lcms2.h>

#include <memory>

namespace imgcache {

struct LcmsProfileCloser {
  void operator()(void* profile) const { cmsCloseProfile(profile); }
};
using LcmsProfile = std::unique_ptr<void, LcmsProfileCloser>;

struct LcmsTransformDeleter {
  void operator()(void* transform) const { cmsDeleteTransform(transform); }
};
using LcmsTransform = std::unique_ptr<void, LcmsTransformDeleter>;

}  // namespace imgcache

#include "core/imaging/icc_profile.h"

#include <cstdlib>
#include <optional>
#include <vector>

#include "core/imaging/lcms_handles.h"

namespace imgcache {
namespace {

using Profile = LcmsProfile;
using Transform = LcmsTransform;

// Little CMS reports errors to a handler; a context of our own keeps these checks silent
// whatever handler GraphicsMagick installs for its own conversions.
cmsContext quiet_context() {
  static const cmsContext context = [] {
    cmsContext created = cmsCreateContext(nullptr, nullptr);
    cmsSetLogErrorHandlerTHR(created, [](cmsContext, cmsUInt32Number, const char*) {});
    return created;
  }();
  return context;
}

std::optional<IccColourSpace> colour_space_of(cmsHPROFILE profile) {
  switch (cmsGetColorSpace(profile)) {
    case cmsSigRgbData:
      return IccColourSpace::rgb;
    case cmsSigGrayData:
      return IccColourSpace::grey;
    case cmsSigCmykData:
      return IccColourSpace::cmyk;
    default:
      return std::nullopt;
  }
}

// Profiles of a device or a colour space describe pixels; device links, abstract and
// named-colour profiles do not.
bool describes_pixels(cmsHPROFILE profile) {
  switch (cmsGetDeviceClass(profile)) {
    case cmsSigInputClass:
    case cmsSigDisplayClass:
    case cmsSigOutputClass:
    case cmsSigColorSpaceClass:
      return true;
    default:
      return false;
  }
}

cmsUInt32Number sample_format(IccColourSpace colour_space) {
  switch (colour_space) {
    case IccColourSpace::rgb:
      return TYPE_RGB_16;
    case IccColourSpace::grey:
      return TYPE_GRAY_16;
    case IccColourSpace::cmyk:
      return TYPE_CMYK_16;
  }
  return TYPE_RGB_16;
}

// The conversion GraphicsMagick makes (16-bit samples, perceptual intent), or null when the
// profile's tags cannot make one. Unoptimised: it is built to be checked, not to run long.
Transform transform_to_srgb(cmsHPROFILE profile, IccColourSpace colour_space) {
  const Profile srgb(cmsCreate_sRGBProfileTHR(quiet_context()));
  if (!srgb) return Transform();
  return Transform(cmsCreateTransformTHR(quiet_context(), profile, sample_format(colour_space),
                                         srgb.get(), TYPE_RGB_16, INTENT_PERCEPTUAL,
                                         cmsFLAGS_NOCACHE | cmsFLAGS_NOOPTIMIZE));
}

// Whether an RGB→sRGB `transform` keeps each colour of a 5×5×5 grid within one 8-bit step.
bool changes_nothing(cmsHTRANSFORM transform) {
  constexpr unsigned kSteps = 5;
  constexpr unsigned kStep = 65535 / (kSteps - 1);
  std::vector<cmsUInt16Number> colours;
  for (unsigned r = 0; r < kSteps; ++r) {
    for (unsigned g = 0; g < kSteps; ++g) {
      for (unsigned b = 0; b < kSteps; ++b) {
        for (unsigned value : {r, g, b})
          colours.push_back(static_cast<cmsUInt16Number>(value * kStep));
      }
    }
  }
  std::vector<cmsUInt16Number> converted(colours.size());
  cmsDoTransform(transform, colours.data(), converted.data(),
                 static_cast<cmsUInt32Number>(colours.size() / 3));
  for (std::size_t i = 0; i < colours.size(); ++i) {
    if (std::abs(int{colours[i]} - int{converted[i]}) > 257) return false;
  }
  return true;
}

}  // namespace

IccProfile inspect_icc_profile(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > kMaxIccProfileSize) return {};
  const Profile profile(cmsOpenProfileFromMemTHR(quiet_context(), bytes.data(),
                                                 static_cast<cmsUInt32Number>(bytes.size())));
  if (!profile || !describes_pixels(profile.get())) return {};
  const std::optional<IccColourSpace> colour_space = colour_space_of(profile.get());
  if (!colour_space) return {};
  const Transform to_srgb = transform_to_srgb(profile.get(), *colour_space);
  if (!to_srgb) return {};
  const bool srgb = *colour_space == IccColourSpace::rgb && changes_nothing(to_srgb.get());
  return {true, *colour_space, srgb};
}

const std::string& srgb_icc_profile() {
  static const std::string bytes = [] {
    const Profile srgb(cmsCreate_sRGBProfileTHR(quiet_context()));
    cmsUInt32Number length = 0;
    cmsSaveProfileToMem(srgb.get(), nullptr, &length);
    std::string saved(length, '\0');
    cmsSaveProfileToMem(srgb.get(), saved.data(), &length);
    return saved;
  }();
  return bytes;
}

}  // namespace imgcache

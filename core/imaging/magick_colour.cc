#include "core/imaging/magick_colour.h"

#include <Magick++.h>

#include <string_view>

#include "core/imaging/icc_profile.h"

namespace imgcache {
namespace {

std::string_view bytes_of(const Magick::Blob& blob) {
  return {static_cast<const char*>(blob.data()), blob.length()};
}

bool describes(const IccProfile& profile, const Magick::Image& image) {
  switch (profile.colour_space) {
    case IccColourSpace::rgb:
      return image.colorSpace() == Magick::RGBColorspace;
    case IccColourSpace::grey:
      return image.colorSpace() == Magick::RGBColorspace && is_grey(image);
    case IccColourSpace::cmyk:
      return image.colorSpace() == Magick::CMYKColorspace;
  }
  return false;
}

// The image's colour profile if it is usable and in the colour space of the pixels, else
// none.
Magick::Blob usable_profile(const Magick::Image& image) {
  Magick::Blob icc = image.iccColorProfile();
  const IccProfile profile = inspect_icc_profile(bytes_of(icc));
  return profile.usable && describes(profile, image) ? icc : Magick::Blob();
}

}  // namespace

bool is_grey(const Magick::Image& image) {
  MagickLib::ExceptionInfo exception;
  MagickLib::GetExceptionInfo(&exception);
  const bool grey = MagickLib::IsGrayImage(image.constImage(), &exception) != MagickFalse;
  MagickLib::DestroyExceptionInfo(&exception);
  return grey;
}

bool is_opaque(const Magick::Image& image) {
  if (!image.matte()) return true;
  MagickLib::ExceptionInfo exception;
  MagickLib::GetExceptionInfo(&exception);
  const bool opaque = MagickLib::IsOpaqueImage(image.constImage(), &exception) != MagickFalse;
  MagickLib::DestroyExceptionInfo(&exception);
  return opaque;
}

void convert_to_srgb(Magick::Image& image) {
  const Magick::Blob icc = image.iccColorProfile();
  if (icc.length() == 0) return;
  if (!inspect_icc_profile(bytes_of(icc)).srgb) {
    const std::string& srgb = srgb_icc_profile();
    try {
      // Replacing a profile converts the pixels from the old one to the new one.
      image.iccColorProfile(Magick::Blob(srgb.data(), srgb.size()));
    } catch (const Magick::Exception&) {
      // The pixels stay as they are.
    }
  }
  image.strip();
}

void normalise(Magick::Image& image, bool auto_orient) {
  if (auto_orient) image.autoOrient();
  const Magick::Blob icc = usable_profile(image);
  image.strip();
  if (icc.length() > 0) image.iccColorProfile(icc);
  if (image.colorSpace() == Magick::CMYKColorspace) {
    convert_to_srgb(image);
    image.colorSpace(Magick::RGBColorspace);  // as it stands, when it had no profile
  }
}

void drop_rgb_profile_of_grey_png(Magick::Image& image) {
  const Magick::Blob icc = image.iccColorProfile();
  if (icc.length() == 0 || !is_grey(image)) return;
  if (inspect_icc_profile(bytes_of(icc)).colour_space == IccColourSpace::rgb) image.strip();
}

}  // namespace imgcache

// Negotiation of the output format by Accept (core/negotiation.h).
#include "core/negotiation.h"

#include <gtest/gtest.h>

#include <set>

namespace imgcache {
namespace {

using Formats = std::vector<ImageFormat>;
constexpr ImageFormat kJxl = ImageFormat::jxl;
constexpr ImageFormat kAvif = ImageFormat::avif;
constexpr ImageFormat kWebp = ImageFormat::webp;

TEST(FormatsInAccept, WhatBrowsersSend) {
  // Chrome and Edge, Firefox, Safari 17, an old browser, curl.
  EXPECT_EQ(formats_in_accept("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"),
            (FormatSet{kAvif, kWebp}));
  EXPECT_EQ(formats_in_accept("image/avif,image/webp,*/*"), (FormatSet{kAvif, kWebp}));
  EXPECT_EQ(formats_in_accept("image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,"
                              "video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"),
            (FormatSet{kJxl, kAvif, kWebp}));
  EXPECT_EQ(formats_in_accept("image/webp,*/*"), FormatSet{kWebp});
  EXPECT_EQ(formats_in_accept("*/*"), FormatSet{});
  EXPECT_EQ(formats_in_accept(""), FormatSet{});
}

TEST(FormatsInAccept, WildcardsPromiseNothing) {
  EXPECT_EQ(formats_in_accept("image/*"), FormatSet{});
  EXPECT_EQ(formats_in_accept("image/*;q=1, */*"), FormatSet{});
}

TEST(FormatsInAccept, QualityZeroRefuses) {
  EXPECT_EQ(formats_in_accept("image/webp;q=0, image/avif;q=0.000"), FormatSet{});
  EXPECT_EQ(formats_in_accept("image/webp; q=0.001, image/avif ; Q=0"), FormatSet{kWebp});
  EXPECT_EQ(formats_in_accept("image/avif;level=1;q=0.5"), FormatSet{kAvif});
}

TEST(FormatsInAccept, TypesAreCaseInsensitiveAndExact) {
  EXPECT_EQ(formats_in_accept(" Image/AVIF , IMAGE/webp "), (FormatSet{kAvif, kWebp}));
  EXPECT_EQ(formats_in_accept("image/webpx,ximage/avif,image/avif-sequence"), FormatSet{});
}

TEST(NegotiatedFormats, TheConfigEnablesAndOrders) {
  Config config;
  const FormatSet both{kAvif, kWebp};
  EXPECT_FALSE(negotiates_formats(config));
  EXPECT_EQ(negotiated_formats(config, both), Formats{});
  config.auto_webp = true;
  EXPECT_TRUE(negotiates_formats(config));
  EXPECT_EQ(negotiated_formats(config, both), Formats{kWebp});
  config.auto_avif = true;
  EXPECT_EQ(negotiated_formats(config, both), (Formats{kAvif, kWebp}));
  EXPECT_EQ(negotiated_formats(config, FormatSet{kWebp}), Formats{kWebp});
  EXPECT_EQ(negotiated_formats(config, FormatSet{}), Formats{});
  config.auto_order = {kWebp, kJxl, kAvif};
  EXPECT_EQ(negotiated_formats(config, both), (Formats{kWebp, kAvif}));
  const FormatSet all{kJxl, kAvif, kWebp};
  EXPECT_EQ(negotiated_formats(config, all), (Formats{kWebp, kAvif}));
  config.auto_jxl = true;
  EXPECT_EQ(negotiated_formats(config, all), (Formats{kWebp, kJxl, kAvif}));
  config.auto_order = Config{}.auto_order;
  EXPECT_EQ(negotiated_formats(config, all), (Formats{kJxl, kAvif, kWebp}));
}

TEST(NegotiatedFormats, AutoOrderInTheConfigFile) {
  Config config;
  EXPECT_EQ(config_value(config, "auto_order"), "jxl,avif,webp");
  set_config_value(config, "auto_order", "webp", "test");
  EXPECT_EQ(config.auto_order, (Formats{kWebp, kJxl, kAvif}));  // the rest after, in order
  EXPECT_EQ(config_value(config, "auto_order"), "webp,jxl,avif");
  set_config_value(config, "auto_order", "avif, webp, jxl", "test");
  EXPECT_EQ(config.auto_order, (Formats{kAvif, kWebp, kJxl}));
  EXPECT_THROW(set_config_value(config, "auto_order", "webp, png", "test"), Error);
  EXPECT_THROW(set_config_value(config, "auto_order", "webp, webp", "test"), Error);
}

TEST(NegotiationKeyWord, SpellsTheFormatsInOrder) {
  EXPECT_EQ(negotiation_key_word({}), "");
  EXPECT_EQ(negotiation_key_word({kWebp}), "auto-webp");
  EXPECT_EQ(negotiation_key_word({kAvif, kWebp}), "auto-avif-webp");
}

TEST(EveryNegotiation, EveryOrderedChoiceOnceAndNone) {
  const auto all = every_negotiation();
  const std::set<Formats> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), all.size());
  // None, and for n negotiable formats every ordered choice of 1..n of them.
  EXPECT_EQ(all.size(), 1u + 3u + 6u + 6u);
  EXPECT_TRUE(distinct.contains((Formats{kWebp, kJxl, kAvif})));
  EXPECT_TRUE(distinct.contains(Formats{}));
  EXPECT_TRUE(distinct.contains((Formats{kWebp, kAvif})));
  EXPECT_TRUE(distinct.contains((Formats{kAvif, kWebp})));
}

}  // namespace
}  // namespace imgcache

// examples/stress_client/histogram.hpp: latencies in fixed memory.
//
// A log-linear histogram in the manner of Gil Tene's HdrHistogram: every
// power of two is cut into 64 equal buckets, so any value is known to
// within 1/64 (1.6 %) and any percentile is read off in one pass, whatever
// the number of samples: millions of replies cost 30 KiB, not a vector of
// every sample to sort. Values are nanoseconds. Debian packages no C or
// C++ HdrHistogram, and this is all of it we need. One per thread; merge()
// them at the end.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace stress {

class Histogram {
 public:
  void record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++total_;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
  }

  void merge(const Histogram& other) noexcept {
    for (std::size_t i = 0; i < buckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return total_ ? max_ : 0; }
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }

  // The value below which `fraction` (0..1) of the samples lie: the middle
  // of the bucket holding that sample, never above the largest sample.
  std::uint64_t percentile(double fraction) const noexcept {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(fraction * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(middle_of(i), min(), max_);
    }
    return max_;
  }

  // Exposed for the tests: the bucket of a value and the values it holds.
  static std::size_t index_of(std::uint64_t value) noexcept {
    if (value < 2 * half) return static_cast<std::size_t>(value);
    const int shift = std::bit_width(value) - sub_bits;  // keeps the top sub_bits bits
    return static_cast<std::size_t>(shift) * half + static_cast<std::size_t>(value >> shift);
  }
  static std::uint64_t lowest_in(std::size_t index) noexcept {
    if (index < 2 * half) return index;
    const std::size_t shift = index / half - 1;
    return static_cast<std::uint64_t>(index - shift * half) << shift;
  }
  static std::uint64_t highest_in(std::size_t index) noexcept {
    return index + 1 < buckets ? lowest_in(index + 1) - 1 : UINT64_MAX;
  }

 private:
  static constexpr int sub_bits = 7;                   // 2^7 = 128: 64 buckets per power of two
  static constexpr std::size_t half = 1u << (sub_bits - 1);
  static constexpr std::size_t buckets = (64 - sub_bits + 2) * half;

  static std::uint64_t middle_of(std::size_t index) noexcept {
    const auto low = lowest_in(index);
    return low + (highest_in(index) - low) / 2;
  }

  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace stress

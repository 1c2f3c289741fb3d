// examples/stress_client/report.hpp: what a run counts, and how it is shown.
//
// Each worker thread keeps its own Stats (no locks on the hot path); the
// run merges them at the end into one table, or one JSON object with
// --json. Errors come in three kinds, counted apart because they mean
// different things: the connection failed (connect refused, reset, closed
// early), nothing came in time (--timeout), or the server said something
// PROTOCOL.md does not allow. A few of each are kept word for word, with the
// connection and the line, so the summary can say what went wrong.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "histogram.hpp"

namespace stress {

enum class ErrorKind { connection, timeout, protocol };
inline constexpr std::array<std::string_view, 3> error_kind_names{"connection", "timeout", "protocol"};

struct Operation {
  std::string name;
  Histogram latency;  // nanoseconds
  std::uint64_t errors = 0;
  // When the first and the last were done: the rate is over this span, so
  // "connect" shows connects per second even in a run measuring echoes.
  std::chrono::steady_clock::time_point first = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::time_point::min();

  double rate() const {
    if (latency.count() < 2) return 0;  // (and first/last are still their sentinels)
    const double span = std::chrono::duration<double>(last - first).count();
    return span > 0 ? static_cast<double>(latency.count() - 1) / span : 0;
  }
};

class Stats {
 public:
  static constexpr std::size_t kept_errors = 10;

  // The operations a scenario measures, in the order the table shows them.
  explicit Stats(const std::vector<std::string>& operations) {
    for (const auto& name : operations) {
      operations_.emplace_back();
      operations_.back().name = name;
    }
  }

  // Moved only when no thread counts any more (a run's end).
  Stats(Stats&& other) noexcept
      : progress(other.progress.load()),
        error_count(other.error_count.load()),
        operations_(std::move(other.operations_)),
        errors_(other.errors_),
        messages_(std::move(other.messages_)) {}

  void record(std::size_t operation, std::uint64_t nanoseconds,
              std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) noexcept {
    auto& op = operations_[operation];
    op.latency.record(nanoseconds);
    op.first = std::min(op.first, now);
    op.last = std::max(op.last, now);
    // One writer (this worker's thread): a plain store, not a locked add.
    progress.store(progress.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // An error of `kind` in `operation` on connection `connection` (its
  // number in this run, from 1).
  void error(ErrorKind kind, std::size_t operation, std::uint64_t connection, std::string_view what) {
    ++errors_[static_cast<std::size_t>(kind)];
    ++operations_[operation].errors;
    error_count.store(error_count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (messages_.size() < kept_errors)
      messages_.push_back(fmt::format("connection {}: {} error in {}: {}", connection,
                                      error_kind_names[static_cast<std::size_t>(kind)],
                                      operations_[operation].name, what));
  }

  void merge(const Stats& other) {
    for (std::size_t i = 0; i < operations_.size(); ++i) {
      operations_[i].latency.merge(other.operations_[i].latency);
      operations_[i].errors += other.operations_[i].errors;
      operations_[i].first = std::min(operations_[i].first, other.operations_[i].first);
      operations_[i].last = std::max(operations_[i].last, other.operations_[i].last);
    }
    for (std::size_t k = 0; k < errors_.size(); ++k) errors_[k] += other.errors_[k];
    for (const auto& m : other.messages_)
      if (messages_.size() < kept_errors) messages_.push_back(m);
  }

  const std::vector<Operation>& operations() const noexcept { return operations_; }
  std::uint64_t errors(ErrorKind kind) const noexcept { return errors_[static_cast<std::size_t>(kind)]; }
  std::uint64_t total_errors() const noexcept { return errors_[0] + errors_[1] + errors_[2]; }
  const std::vector<std::string>& error_messages() const noexcept { return messages_; }

  // Read by the progress line from another thread.
  alignas(64) std::atomic<std::uint64_t> progress{0};
  std::atomic<std::uint64_t> error_count{0};

 private:
  std::vector<Operation> operations_;
  std::array<std::uint64_t, 3> errors_{};
  std::vector<std::string> messages_;
};

// The result of a run: the merged stats, how long the run (or its measured
// part) took, and scenario figures (name, value) such as deliveries or bytes per
// connection, shown under the table and in the JSON.
struct Report {
  std::string scenario;
  std::size_t connections = 0;
  std::size_t threads = 0;
  double seconds = 0;
  Stats stats;
  std::vector<std::pair<std::string, double>> figures;
};

namespace detail {

inline std::string human_duration(std::uint64_t nanoseconds) {
  const double ns = static_cast<double>(nanoseconds);
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.1f} us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f} ms", ns / 1e6);
  return fmt::format("{:.2f} s", ns / 1e9);
}

inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\u{:04x}", c);  // bytes from the wire need not be UTF-8
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + '"';
}

// A figure's name as a JSON key: "server RSS held (KiB)" -> "server_rss_held_kib".
inline std::string json_key(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!key.empty() && key.back() != '_') key += '_';
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return key;
}

// Counts as whole numbers, other figures with a few decimals.
inline std::string number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{:.3f}", value);
}

inline constexpr std::array<std::pair<std::string_view, double>, 5> percentiles{
    {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}, {"max", 1.0}}};

}  // namespace detail

inline std::string format_table(const Report& report) {
  std::string out = fmt::format("scenario {}: {} connections, {} threads, {:.2f} s\n\n", report.scenario,
                                report.connections, report.threads, report.seconds);
  out += fmt::format("{:<12} {:>10} {:>7} {:>12}", "operation", "count", "errors", "rate/s");
  for (const auto& [name, fraction] : detail::percentiles) out += fmt::format(" {:>10}", name);
  out += '\n';
  for (const auto& op : report.stats.operations()) {
    const auto count = op.latency.count();
    if (count == 0 && op.errors == 0) continue;
    out += fmt::format("{:<12} {:>10} {:>7} {:>12.0f}", op.name, count, op.errors, op.rate());
    for (const auto& [name, fraction] : detail::percentiles)
      out += fmt::format(" {:>10}", detail::human_duration(fraction >= 1.0 ? op.latency.max()
                                                                             : op.latency.percentile(fraction)));
    out += '\n';
  }
  if (!report.figures.empty()) out += '\n';
  for (const auto& [name, value] : report.figures) out += fmt::format("{:<28} {}\n", name, detail::number(value));
  const auto& s = report.stats;
  out += fmt::format("\nerrors: {} (connection {}, timeout {}, protocol {})\n", s.total_errors(),
                     s.errors(ErrorKind::connection), s.errors(ErrorKind::timeout), s.errors(ErrorKind::protocol));
  for (const auto& message : s.error_messages()) out += fmt::format("  {}\n", message);
  return out;
}

inline std::string format_json(const Report& report) {
  const auto& s = report.stats;
  std::string out = fmt::format(R"({{"scenario":{},"connections":{},"threads":{},"seconds":{:.6f},"operations":[)",
                                detail::json_string(report.scenario), report.connections, report.threads,
                                report.seconds);
  bool first = true;
  for (const auto& op : s.operations()) {
    const auto count = op.latency.count();
    out += fmt::format(R"({}{{"name":{},"count":{},"errors":{},"rate":{:.3f})", first ? "" : ",",
                       detail::json_string(op.name), count, op.errors, op.rate());
    for (const auto& [name, fraction] : detail::percentiles) {
      const auto ns = fraction >= 1.0 ? op.latency.max() : op.latency.percentile(fraction);
      out += fmt::format(R"(,"{}_us":{:.3f})", name, static_cast<double>(ns) / 1e3);
    }
    out += '}';
    first = false;
  }
  out += R"(],"figures":{)";
  first = true;
  for (const auto& [name, value] : report.figures) {
    out += fmt::format("{}{}:{}", first ? "" : ",", detail::json_string(detail::json_key(name)), detail::number(value));
    first = false;
  }
  out += fmt::format(R"(}},"errors":{{"total":{},"connection":{},"timeout":{},"protocol":{},"messages":[)",
                     s.total_errors(), s.errors(ErrorKind::connection), s.errors(ErrorKind::timeout),
                     s.errors(ErrorKind::protocol));
  first = true;
  for (const auto& message : s.error_messages()) {
    out += fmt::format("{}{}", first ? "" : ",", detail::json_string(message));
    first = false;
  }
  return out + "]}}\n";
}

}  // namespace stress

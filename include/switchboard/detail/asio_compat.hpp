// switchboard/detail/asio_compat.hpp: one place for Asio 1.22 spellings.
//
// Debian 12 ships Asio 1.22, where as_tuple still lives in
// asio::experimental; newer Asio moved it to asio::. The rest of the library
// uses these names only, so moving to a newer Asio is a change here.
#pragma once

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#ifndef ASIO_NO_DEPRECATED
#define ASIO_NO_DEPRECATED
#endif

// Asio 1.22 looks for clang's coroutines in <experimental/coroutine>, which
// libstdc++ does not have; clang 14 with libstdc++ 12 has C++20's <coroutine>.
#if defined(__clang__) && defined(__cpp_impl_coroutine) && !defined(ASIO_HAS_CO_AWAIT)
#if __has_include(<coroutine>)
#define ASIO_HAS_CO_AWAIT 1
#define ASIO_HAS_STD_COROUTINE 1
#endif
#endif

#include <asio.hpp>
#include <chrono>
#include <asio/experimental/as_tuple.hpp>

namespace switchboard::detail {

using asio::experimental::as_tuple;

// co_await op(..., use_nothrow) gives a tuple whose first element is the
// error_code, for operations whose failure is an expected outcome.
inline constexpr auto use_nothrow = as_tuple(asio::use_awaitable);

using Strand = asio::strand<asio::io_context::executor_type>;
// Timers bound to a strand (no type-erased executor in their way).
using SteadyTimer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                               asio::wait_traits<std::chrono::steady_clock>, Strand>;

}  // namespace switchboard::detail

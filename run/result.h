// vdso-run's one error convention: errors are values.
//
// A function that can fail returns Result<T>: its T, or an Error carrying
// a positive errno (the failed call's, or the one that names the kind of
// failure: EINVAL for a bad value) and a message naming what was wrong, as
// the user reads it ("cannot trace the program (PTRACE_SEIZE): Operation
// not permitted"). Callers that add context build a new Error from it.
//
// -errno appears only at the ABI edge, in what vdso-run gives back to the
// tree: the answers to its system calls (SeccompListener::reply, and what
// computes them: ClockReply::return_value, GroupSignalAnswer::return_value,
// TimeSetting::answer), the registers the tracer sets, and the injected
// stub's rax (stub_abi.h).
//
// Not errors, so not Results: predicates ("true if it did"), searches that
// may find nothing (0), the option parsers that say whether the text
// matched (the command line says what was wrong), and launch.cpp's exec,
// which keeps execve's errno.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vdso::run {

struct Error {
  int errno_value = 0;  // positive; 0 when no errno applies
  std::string message;

  // "WHAT: strerror(errno_value)", the form of most of our messages. A
  // `what` built by an expression that may touch errno first (one that
  // allocates) takes errno_value saved before it.
  static Error from_errno(std::string_view what, int errno_value = errno) {
    std::string message(what);
    message += ": ";
    message += std::strerror(errno_value);
    return {errno_value, std::move(message)};
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Only when ok().
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // Only when !ok().
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : failed_(true), error_(std::move(error)) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  // Only when !ok().
  const Error& error() const { return error_; }

 private:
  bool failed_ = false;
  Error error_;
};

}  // namespace vdso::run

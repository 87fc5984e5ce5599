// error_of(): the wampbox::ErrorCode a call throws, for the unit tests that
// check typed errors (cryptobox_rotation_test.cc, message_test.cc,
// ppt_test.cc). Header-only, not a test binary of its own.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <optional>

#include "wampbox/error.h"

namespace wampbox {

// Runs `f` and returns the code of the wampbox::Error it throws, or nullopt
// when it throws nothing; any other exception fails the test (and gives
// nullopt).
template <class F>
std::optional<ErrorCode> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-wampbox exception: " << e.what();
  }
  return std::nullopt;
}

}  // namespace wampbox

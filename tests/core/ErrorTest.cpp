#include "trkx/core/Error.hpp"

#include <gtest/gtest.h>

#include "trkx/core/Logging.hpp"

namespace trkx {
namespace {

TEST(InputError, MessageNamesFileLineAndColumn) {
  const InputError e("event000001000-hits.csv", 1234, "z", "expected a number, found 'abc'");
  EXPECT_STREQ(e.what(), "event000001000-hits.csv:1234: column 'z': expected a number, found 'abc'");
  EXPECT_EQ(e.line(), 1234U);
  EXPECT_EQ(e.column(), "z");
  const InputError whole("a.csv", 0, "", "file is empty");
  EXPECT_STREQ(whole.what(), "a.csv: file is empty");
}

TEST(Check, ThrowsWithExpression) {
  try {
    TRKX_CHECK(1 + 1 == 3, "arithmetic broke");
    FAIL() << "TRKX_CHECK did not throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("arithmetic broke"), std::string::npos);
    EXPECT_NE(what.find("1 + 1 == 3"), std::string::npos);
  }
}

TEST(Logging, RejectsUnknownLevel) {
  EXPECT_NO_THROW(set_log_level("debug"));
  EXPECT_EQ(logger()->level(), spdlog::level::debug);
  EXPECT_THROW(set_log_level("loud"), Error);
  set_log_level("info");
}

}  // namespace
}  // namespace trkx

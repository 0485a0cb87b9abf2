#include "trkx/pipeline/EventLoop.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace trkx {
namespace {

std::size_t allowed() {
  return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
}

TEST(ThreadPlan, SplitsTheCoresBetweenEventsAndTheirThreads) {
  const ThreadPlan four = plan_threads(4, 10);
  EXPECT_EQ(four.concurrent_events, 4U);
  EXPECT_EQ(four.intra_op_threads, 1);
  const ThreadPlan one_event = plan_threads(4, 1);
  EXPECT_EQ(one_event.concurrent_events, 1U);
  EXPECT_EQ(one_event.intra_op_threads, 4);
  const ThreadPlan two_at_once = plan_threads(4, 10, 2);
  EXPECT_EQ(two_at_once.concurrent_events, 2U);
  EXPECT_EQ(two_at_once.intra_op_threads, 2);
}

TEST(LimitParallelism, CapsEveryTbbStepWhileItLives) {
  const std::size_t before = allowed();
  {
    const auto cap = limit_parallelism(1);
    ASSERT_NE(cap, nullptr);
    EXPECT_EQ(allowed(), 1U);
    // A parallel loop under the cap runs on one thread: never two bodies at once.
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    tbb::parallel_for(0, 2000, [&](int) {
      const int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      volatile double sink = 0;
      for (int k = 0; k < 200; ++k) sink = sink + k;
      --inside;
    });
    EXPECT_EQ(most.load(), 1);
  }
  EXPECT_EQ(allowed(), before);
  EXPECT_EQ(limit_parallelism(0), nullptr);  // 0: every core, no cap
  EXPECT_EQ(allowed(), before);
}

TEST(ForEachItem, OneFailedItemIsReportedAndTheOthersComplete) {
  std::atomic<int> done{0};
  const auto failures = for_each_item(
      8, 2,
      [&](std::size_t i) {
        if (i == 5) throw std::runtime_error("bad event");
        ++done;
      },
      nullptr);
  EXPECT_EQ(done.load(), 7);
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0].index, 5U);
  EXPECT_EQ(failures[0].error, "bad event");
}

}  // namespace
}  // namespace trkx

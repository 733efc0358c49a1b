#include "daemon/control.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "daemon/scheduler.h"

namespace zpull::daemon {
namespace {

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/zpull-control-XXXXXX";
    ASSERT_TRUE(::mkdtemp(dir));
    dir_ = dir;
    path_ = dir_ + "/control.sock";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_, path_;
};

TEST_F(ControlTest, AnswersOneRequestPerConnectionOnAPrivateSocket) {
  auto server = ControlServer::Start(path_, [](const std::string& r) { return "ok: got [" + r + "]"; });
  ASSERT_TRUE(server) << server.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reply = ControlRequest(path_, "pause backup/vm images");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(*reply, "ok: got [pause backup/vm images]\n");
  // A second server on the same live socket is refused.
  auto second = ControlServer::Start(path_, [](const std::string&) { return std::string("ok"); });
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use by another zpull"), std::string::npos);
}

TEST_F(ControlTest, StaleSocketFileIsReplacedAndAMissingServerIsNamed) {
  std::ofstream(path_) << "stale";
  auto server = ControlServer::Start(path_, [](const std::string&) { return std::string("ok"); });
  ASSERT_TRUE(server) << server.error().message;
  server->reset();
  auto none = ControlRequest(path_, "status");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("is the daemon running?"), std::string::npos);
}

TEST(SchedulerPause, PausedDatasetsAreNotScheduledButRunNowRunsThemOnce) {
  std::atomic<int> runs_a{0}, runs_b{0};
  std::int64_t now = 1000;
  Scheduler s({3600, 3600}, 2, [&](std::size_t i) { (i == 0 ? runs_a : runs_b)++; }, [&] { return now; });
  s.SetPaused(0, true);
  EXPECT_TRUE(s.Paused(0));
  std::thread t([&] { s.Run(); });
  for (int i = 0; i < 100 && runs_b == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs_b, 1);
  EXPECT_EQ(runs_a, 0);
  s.RunNow(0);
  for (int i = 0; i < 100 && runs_a == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs_a, 1);
  s.SetPaused(0, false);
  now += 3600;  // both due again
  for (int i = 0; i < 150 && (runs_a < 2 || runs_b < 2); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs_a, 2);
  EXPECT_EQ(runs_b, 2);
  s.Stop();
  t.join();
}

}  // namespace
}  // namespace zpull::daemon

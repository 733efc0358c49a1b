#include "core/safe_text.h"

#include <gtest/gtest.h>

namespace zpull::core {
namespace {

TEST(SafeText, KeepsValidTextAsWritten) {
  EXPECT_EQ(SafeText("tank/home@zpull_2026-12-07T03:16:50Z"), "tank/home@zpull_2026-12-07T03:16:50Z");
  EXPECT_EQ(SafeText("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe back\\slash \"q\""),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe back\\slash \"q\"");
  EXPECT_EQ(SafeText(""), "");
}

TEST(SafeText, InvalidBytesBecomeReplacementCharacters) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(SafeText("a\xff" "b"), "a" + fffd + "b");
  EXPECT_EQ(SafeText("\xc0\xaf"), fffd + fffd);                  // overlong '/'
  EXPECT_EQ(SafeText("\xe0\x80\xaf"), fffd + fffd + fffd);       // overlong, 3 bytes
  EXPECT_EQ(SafeText("\xed\xa0\x80"), fffd + fffd + fffd);       // a surrogate
  EXPECT_EQ(SafeText("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
  EXPECT_EQ(SafeText("\xe2\x82"), fffd + fffd);                  // cut short
  EXPECT_EQ(SafeText("\xc3"), fffd);
}

TEST(SafeText, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(SafeText("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(SafeText("l1\nl2\r\tx\x7f"), "l1\\nl2\\r\\tx\\x7f");
  EXPECT_EQ(SafeText(std::string_view("\0z", 2)), "\\x00z");
  EXPECT_EQ(SafeText("\xc2\x9b" "31m"), "\\u009b31m");     // C1 CSI
  EXPECT_EQ(SafeText("\xe2\x80\xae" "txt"), "\\u202etxt");  // right-to-left override
  EXPECT_EQ(SafeText("\xe2\x80\xa8"), "\\u2028");           // line separator
  EXPECT_EQ(SafeText("a\xe2\x80\x8b" "b\xef\xbb\xbf"), "a\\u200bb\\ufeff");  // zero width
  EXPECT_EQ(SafeText("l1\nl2\tx\x1b", true), "l1\nl2\tx\\x1b");
}

TEST(SafeText, OutputIsAFixedPoint) {
  const std::string once = SafeText("\xff\x1b\xc2\x9b\n\"\\");
  EXPECT_EQ(SafeText(once), once);
}

TEST(CompleteUtf8Prefix, HoldsBackOnlyAnIncompleteSequenceAtTheEnd) {
  EXPECT_EQ(CompleteUtf8Prefix("abc"), 3u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xe2\x82"), 2u);      // € cut after two bytes
  EXPECT_EQ(CompleteUtf8Prefix("ab\xe2\x82\xac"), 5u);  // complete
  EXPECT_EQ(CompleteUtf8Prefix("ab\xf0"), 2u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xff"), 3u);          // invalid: nothing to wait for
  EXPECT_EQ(CompleteUtf8Prefix("ab\xe2\x28"), 4u);      // invalid continuation
  EXPECT_EQ(CompleteUtf8Prefix(""), 0u);
}

}  // namespace
}  // namespace zpull::core

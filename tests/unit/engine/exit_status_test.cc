#include "mailsift/engine/exit_status.h"

#include <gtest/gtest.h>

namespace mailsift::engine {
namespace {

using Kind = Outcome::Kind;

TEST(ExitCode, Table) {
  struct Case {
    const char* name;
    Kind kind;
    std::optional<int> exitcode;
    ExitPolicy policy;
    int want;
  } const cases[] = {
      {"stored", Kind::kStored, {}, {}, 0},
      {"not stored is a temporary failure", Kind::kNotStored, {}, {}, 75},
      {"not stored, -t", Kind::kNotStored, {}, {false, true}, 75},
      {"procmail codes: not stored is 73", Kind::kNotStored, {}, {true, false}, 73},
      {"procmail codes with -t: 75", Kind::kNotStored, {}, {true, true}, 75},
      {"unknown user is permanent", Kind::kUnknownUser, {}, {}, 67},
      {"insufficient privileges: retry", Kind::kInsufficientPrivileges, {}, {}, 75},
      {"insufficient privileges, procmail codes", Kind::kInsufficientPrivileges, {}, {true, false}, 77},
      {"internal error is temporary", Kind::kInternalError, {}, {}, 75},
      {"internal error ignores EXITCODE", Kind::kInternalError, 0, {}, 75},
      {"usage", Kind::kUsage, {}, {}, 64},
      {"EXITCODE rejects deliberately", Kind::kNotStored, 67, {}, 67},
      {"EXITCODE after storing", Kind::kStored, 99, {}, 99},
      {"EXITCODE truncated to 8 bits", Kind::kStored, 300, {}, 44},
  };
  for (const auto& c : cases) {
    Outcome o;
    o.kind = c.kind;
    o.exitcode = c.exitcode;
    EXPECT_EQ(exit_code(o, c.policy), c.want) << c.name;
  }
}

TEST(FailureFolderName, RequeuedOrBounced) {
  EXPECT_STREQ(failure_folder_name(75), "**Requeued**");
  EXPECT_STREQ(failure_folder_name(73), "**Bounced**");
  EXPECT_STREQ(failure_folder_name(67), "**Bounced**");
}

}  // namespace
}  // namespace mailsift::engine

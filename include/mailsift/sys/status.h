// Status: the outcome of an operation that can fail, carrying what failed, where,
// and the errno. Modelled on RE2's ok()/error(): nothing throws.
#pragma once

#include <string>

namespace mailsift::sys {

// The step of a delivery or system operation that failed. Logs name it so that an
// administrator can tell an fsync failure from a full disk.
enum class Step {
  kNone,
  kOpen,
  kRead,
  kWrite,
  kFsync,
  kClose,
  kLink,
  kRename,
  kUnlink,
  kMkdir,
  kStat,
  kLock,
  kTruncate,
  kMap,
  kSpawn,
  kWait,
  kConfig,
};

const char* step_name(Step step);

class Status {
 public:
  Status() = default;  // ok
  static Status ok_status() { return Status(); }
  static Status error(Step step, int err, std::string path, std::string detail = {});
  // The same failure, with what was done about it afterwards ("truncated back to
  // 66 bytes"): the log then shows the step's own error first and this after it.
  Status with_aftermath(std::string aftermath) const;

  bool ok() const { return step_ == Step::kNone; }
  Step step() const { return step_; }
  int err() const { return err_; }
  const std::string& path() const { return path_; }
  const std::string& detail() const { return detail_; }
  const std::string& aftermath() const { return aftermath_; }

  // One line for the log: step, path, detail, the errno's text, then the aftermath,
  // e.g. `write "/home/u/Mail/inbox": No space left on device; truncated back to
  // 5120 bytes`.
  std::string message() const;

 private:
  Step step_ = Step::kNone;
  int err_ = 0;
  std::string path_;
  std::string detail_;
  std::string aftermath_;
};

}  // namespace mailsift::sys

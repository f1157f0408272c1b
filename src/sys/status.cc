#include "mailsift/sys/status.h"

#include <cstring>
#include <utility>

namespace mailsift::sys {

const char* step_name(Step step) {
  switch (step) {
    case Step::kNone: return "none";
    case Step::kOpen: return "open";
    case Step::kRead: return "read";
    case Step::kWrite: return "write";
    case Step::kFsync: return "fsync";
    case Step::kClose: return "close";
    case Step::kLink: return "link";
    case Step::kRename: return "rename";
    case Step::kUnlink: return "unlink";
    case Step::kMkdir: return "mkdir";
    case Step::kStat: return "stat";
    case Step::kLock: return "lock";
    case Step::kTruncate: return "truncate";
    case Step::kMap: return "mmap";
    case Step::kSpawn: return "spawn";
    case Step::kWait: return "wait";
    case Step::kConfig: return "config";
  }
  return "unknown";
}

Status Status::error(Step step, int err, std::string path, std::string detail) {
  Status s;
  s.step_ = step == Step::kNone ? Step::kConfig : step;
  s.err_ = err;
  s.path_ = std::move(path);
  s.detail_ = std::move(detail);
  return s;
}

Status Status::with_aftermath(std::string aftermath) const {
  Status s = *this;
  s.aftermath_ = std::move(aftermath);
  return s;
}

std::string Status::message() const {
  if (ok()) return "ok";
  std::string out = step_name(step_);
  if (!path_.empty()) out += " \"" + path_ + "\"";
  if (!detail_.empty()) out += ": " + detail_;
  if (err_ != 0) {
    out += ": ";
    out += std::strerror(err_);
  }
  if (!aftermath_.empty()) out += "; " + aftermath_;
  return out;
}

}  // namespace mailsift::sys

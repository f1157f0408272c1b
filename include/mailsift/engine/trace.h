// The trace of a dry run ("mailsift --dry-run"): what a delivery would do, recipe by
// recipe, on standard output, as text for people or as JSON lines for programs.
//
// JSON lines (schema version 1; every object has "version": 1 and "type"):
//   {"type":"recipe","file":F,"line":N,"flags":S,"taken":B,"reason":S}
//   {"type":"condition","file":F,"line":N,"text":S,"result":B,"match":S?,"matched":S?,
//    "score":X?,"note":S?}
//   {"type":"action","file":F,"line":N,"kind":K,"target":S,"note":S?}
//        K: "folder", "pipe", "filter", "capture", "forward", "block", "stdout"
//   {"type":"delivery","folder":S,"kind":S,"fallback":B}
//   {"type":"failure","folder":S,"error":S}    a delivery the file system shows would fail
//   {"type":"result","exit":N,"deliveries":[S...],"maildir":S}
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mailsift::engine {

class Trace {
 public:
  enum class Format { kText, kJson };
  Trace() = default;
  Trace(int fd, Format format) : fd_(fd), format_(format), enabled_(true) {}

  bool enabled() const { return enabled_; }

  // Conditions come before the recipe's verdict is known: from here until recipe()
  // they are held back, so that the recipe line comes first.
  void begin_recipe() { holding_ = true; }

  void recipe(const std::string& file, int line, const std::string& flags, bool taken,
              const std::string& reason);
  // match: MATCH set by "\/"; matched: the text the regex matched.
  void condition(const std::string& file, int line, const std::string& text, bool result,
                 const std::optional<std::string>& match, const std::optional<double>& score,
                 const std::string& note,
                 const std::optional<std::string>& matched = std::nullopt);
  void action(const std::string& file, int line, const std::string& kind,
              const std::string& target, const std::string& note);
  void delivery(const std::string& folder, const std::string& kind, bool fallback);
  void failure(const std::string& folder, const std::string& error);
  // maildir: $MAILDIR at the end (folders named relative to it were written there).
  void result(int exit_code, const std::string& maildir);

  // A "c" block in a dry run forks a clone as a real run does (nothing is written,
  // so that is safe), and the parent waits for it: the trace shows the clone's way
  // first, then the parent's. The clone's deliveries reach the parent's result line
  // through a pipe: open_clone_channel() before the fork, become_clone() in the
  // clone (its result() then sends instead of printing), absorb_clone() in the
  // parent before it waits (reads until the clone and its own clones are gone).
  // When the fork fails after open_clone_channel(), close_clone_channel() closes
  // both ends (it does nothing when no channel is open).
  bool open_clone_channel();
  void close_clone_channel();
  void become_clone();
  void absorb_clone();
  bool in_clone() const { return in_clone_; }

 private:
  void write(const std::string& text);

  int fd_ = -1;
  Format format_ = Format::kText;
  bool enabled_ = false;
  std::vector<std::string> deliveries_;
  bool holding_ = false;
  std::string held_;
  int channel_read_ = -1;   // parent's end of the newest clone channel
  int channel_write_ = -1;  // the clone's end
  int report_to_ = -1;      // in a clone: where result() sends the deliveries
  bool in_clone_ = false;
};

// A JSON string literal for text (bytes that are not valid UTF-8 are written as
// \u00XX of each byte, so the output is always valid JSON).
std::string json_string(const std::string& text);

}  // namespace mailsift::engine

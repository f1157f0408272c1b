// The trace of a dry run ("mailsift --dry-run"): what a delivery would do, recipe by
// recipe, on standard output, as text for people or as JSON lines for programs.
//
// JSON lines (schema version 1; every object has "version": 1 and "type"):
//   {"type":"recipe","file":F,"line":N,"flags":S,"taken":B,"reason":S}
//   {"type":"condition","file":F,"line":N,"text":S,"result":B,"match":S?,"score":X?,
//    "note":S?}
//   {"type":"action","file":F,"line":N,"kind":K,"target":S,"note":S?}
//        K: "folder", "pipe", "filter", "capture", "forward", "block", "stdout"
//   {"type":"delivery","folder":S,"kind":S,"fallback":B}
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
  void condition(const std::string& file, int line, const std::string& text, bool result,
                 const std::optional<std::string>& match, const std::optional<double>& score,
                 const std::string& note);
  void action(const std::string& file, int line, const std::string& kind,
              const std::string& target, const std::string& note);
  void delivery(const std::string& folder, const std::string& kind, bool fallback);
  // maildir: $MAILDIR at the end (folders named relative to it were written there).
  void result(int exit_code, const std::string& maildir);

 private:
  void write(const std::string& text);

  int fd_ = -1;
  Format format_ = Format::kText;
  bool enabled_ = false;
  std::vector<std::string> deliveries_;
  bool holding_ = false;
  std::string held_;
};

// A JSON string literal for text (bytes that are not valid UTF-8 are written as
// \u00XX of each byte, so the output is always valid JSON).
std::string json_string(const std::string& text);

}  // namespace mailsift::engine

#include "mailsift/engine/trace.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "mailsift/sys/io.h"
#include "quote.h"

namespace mailsift::engine {
namespace {

std::string bool_text(bool b) { return b ? "true" : "false"; }

std::string number_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

}  // namespace

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    char buffer[8];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      // Each byte as a code point of its own: always valid JSON, and ASCII.
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void Trace::write(const std::string& text) {
  if (!enabled_) return;
  if (holding_) {
    held_ += text;
    return;
  }
  sys::write_all(sys::real_io(), fd_, text.data(), text.size());
}

void Trace::recipe(const std::string& file, int line, const std::string& flags, bool taken,
                   const std::string& reason) {
  holding_ = false;
  const std::string conditions = std::move(held_);
  held_.clear();
  if (format_ == Format::kJson) {
    write("{\"version\":1,\"type\":\"recipe\",\"file\":" + json_string(file) +
          ",\"line\":" + std::to_string(line) + ",\"flags\":" + json_string(flags) +
          ",\"taken\":" + bool_text(taken) + ",\"reason\":" + json_string(reason) + "}\n");
  } else {
    write(file + ":" + std::to_string(line) + ": recipe \":0" + flags + "\" " +
          (taken ? "taken" : "not taken") + (reason.empty() ? "" : " (" + reason + ")") + "\n");
  }
  write(conditions);
}

void Trace::condition(const std::string& file, int line, const std::string& text, bool result,
                      const std::optional<std::string>& match,
                      const std::optional<double>& score, const std::string& note,
                      const std::optional<std::string>& matched) {
  if (format_ == Format::kJson) {
    std::string out = "{\"version\":1,\"type\":\"condition\",\"file\":" + json_string(file) +
                      ",\"line\":" + std::to_string(line) + ",\"text\":" + json_string(text) +
                      ",\"result\":" + bool_text(result);
    if (match) out += ",\"match\":" + json_string(*match);
    if (matched) out += ",\"matched\":" + json_string(*matched);
    if (score) out += ",\"score\":" + number_text(*score);
    if (!note.empty()) out += ",\"note\":" + json_string(note);
    write(out + "}\n");
    return;
  }
  std::string out = "  " + file + ":" + std::to_string(line) + ": * " + clip_to_line(text) +
                    "  -> " + (result ? "true" : "false");
  if (score) out += ", score " + number_text(*score);
  if (match) out += ", MATCH=\"" + clip_to_line(*match) + "\"";
  if (matched && !match) out += ", matched \"" + clip_to_line(*matched) + "\"";
  if (!note.empty()) out += " (" + note + ")";
  write(out + "\n");
}

void Trace::action(const std::string& file, int line, const std::string& kind,
                   const std::string& target, const std::string& note) {
  if (format_ == Format::kJson) {
    std::string out = "{\"version\":1,\"type\":\"action\",\"file\":" + json_string(file) +
                      ",\"line\":" + std::to_string(line) + ",\"kind\":" + json_string(kind) +
                      ",\"target\":" + json_string(target);
    if (!note.empty()) out += ",\"note\":" + json_string(note);
    write(out + "}\n");
    return;
  }
  write("  " + file + ":" + std::to_string(line) + ": " + kind + " " + clip_to_line(target) +
        (note.empty() ? "" : " (" + note + ")") + "\n");
}

void Trace::delivery(const std::string& folder, const std::string& kind, bool fallback) {
  deliveries_.push_back(folder);
  if (format_ == Format::kJson) {
    write("{\"version\":1,\"type\":\"delivery\",\"folder\":" + json_string(folder) +
          ",\"kind\":" + json_string(kind) + ",\"fallback\":" + bool_text(fallback) + "}\n");
    return;
  }
  write("would deliver to " + folder + " (" + kind + (fallback ? ", the fall-back" : "") + ")\n");
}

void Trace::failure(const std::string& folder, const std::string& error) {
  if (format_ == Format::kJson) {
    write("{\"version\":1,\"type\":\"failure\",\"folder\":" + json_string(folder) +
          ",\"error\":" + json_string(error) + "}\n");
    return;
  }
  write("would fail to deliver to " + folder + ": " + error + "\n");
}

void Trace::result(int exit_code, const std::string& maildir) {
  if (report_to_ >= 0) {
    // A clone: the parent prints the one result line, with these deliveries in it.
    std::string sent;
    for (const auto& d : deliveries_) sent += d + '\0';
    sys::write_all(sys::real_io(), report_to_, sent.data(), sent.size());
    ::close(report_to_);
    report_to_ = -1;
    return;
  }
  if (format_ == Format::kJson) {
    std::string list;
    for (const auto& d : deliveries_) list += (list.empty() ? "" : ",") + json_string(d);
    write("{\"version\":1,\"type\":\"result\",\"exit\":" + std::to_string(exit_code) +
          ",\"deliveries\":[" + list + "],\"maildir\":" + json_string(maildir) + "}\n");
    return;
  }
  write("exit status " + std::to_string(exit_code) + "\n");
}

bool Trace::open_clone_channel() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  channel_read_ = fds[0];
  channel_write_ = fds[1];
  return true;
}

void Trace::close_clone_channel() {
  if (channel_read_ >= 0) ::close(channel_read_);
  if (channel_write_ >= 0) ::close(channel_write_);
  channel_read_ = channel_write_ = -1;
}

void Trace::become_clone() {
  ::close(channel_read_);
  if (report_to_ >= 0) ::close(report_to_);  // the grandparent's channel is the parent's
  report_to_ = channel_write_;
  in_clone_ = true;
  channel_read_ = channel_write_ = -1;
  deliveries_.clear();
}

void Trace::absorb_clone() {
  ::close(channel_write_);
  std::string received;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(channel_read_, buffer, sizeof buffer);
    if (n > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(channel_read_);
  channel_read_ = channel_write_ = -1;
  std::size_t start = 0;
  for (std::size_t end; (end = received.find('\0', start)) != std::string::npos; start = end + 1) {
    deliveries_.push_back(received.substr(start, end - start));
  }
}

}  // namespace mailsift::engine

#pragma once
// Where mailsift-formail reads and writes: standard input a byte at a time (through a
// buffer), and an output that is standard output, a program's pipe, or nowhere.

#include <string>
#include <string_view>

namespace mailsift::formail {

// Writes a message to standard error, whole.
void write_error(std::string_view text);

class Input {
 public:
  static constexpr int kEnd = -1;
  explicit Input(int fd) : fd_(fd) {}
  int get();
  void close();

 private:
  int fd_;
  std::string buffer_;
  std::size_t next_ = 0;
  bool ended_ = false;
};

class Output {
 public:
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();

  void open(int fd);  // takes the descriptor
  void open_sink();
  void put(char c);
  void put(std::string_view text);
  // Flushes and closes; false when any write of this output failed.
  bool close();

 private:
  void flush();
  int fd_ = -1;
  bool sink_ = true;
  bool failed_ = false;
  std::string pending_;
};

}  // namespace mailsift::formail

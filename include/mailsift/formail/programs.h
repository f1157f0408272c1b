#pragma once
// formail -s: one program per message, fed the message on its standard input, with the
// message's number in FILENO; waited for one by one, or with -n up to N at a time.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace mailsift::formail {

class Programs {
 public:
  Programs(std::vector<std::string> command, long child_limit);

  bool has_command() const { return !command_.empty(); }

  // Takes FILENO from the environment: its width and first value (default "000"); a
  // value that is not a number turns the counting off.
  void read_fileno();

  // Starts the program for the next message, standard output being `output_fd`;
  // returns the descriptor to write the message to. Exit statuses of programs reaped
  // on the way go to *status. Exits 71 when no process can be started.
  int start(int output_fd, int* status);

  // The exit status of the last program started (minus the signal that killed it).
  std::optional<int> wait_last();
  // Any program's, or nullopt when none is left.
  std::optional<int> wait_any();

 private:
  std::optional<int> wait_for(pid_t pid);

  std::vector<std::string> command_;
  long child_limit_;
  long running_ = 0;
  pid_t last_ = -1;
  int fileno_width_ = -1;
  long fileno_next_ = 0;
};

// The status formail reports for a wait status: the exit code, or minus the signal.
int program_status(int wait_status);

}  // namespace mailsift::formail

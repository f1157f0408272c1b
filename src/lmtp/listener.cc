// mailsift --lmtp-listen: the accept loop.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mailsift/lmtp/server.h"
#include "mailsift/sys/hostname.h"
#include "mailsift/sys/process.h"

namespace mailsift::lmtp {
namespace {

volatile std::sig_atomic_t stopping = 0;
void stop(int) { stopping = 1; }

const ServerSettings* log_settings = nullptr;

void log_line(int fd, const std::string& line) {
  std::string text;
  if (log_settings != nullptr && log_settings->json_log) {
    text = "{\"note\":\"";
    for (const char c : line) {
      if (c == '"' || c == '\\') text += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) text += c;
    }
    text += "\"}";
  } else {
    text = "mailsift lmtp: " + line;
  }
  if (log_settings != nullptr && log_settings->syslog) {
    ::syslog(LOG_MAIL | LOG_INFO, "%s", text.c_str());
    return;
  }
  text += "\n";
  (void)!::write(fd, text.data(), text.size());
}

// A socket systemd passed (LISTEN_FDS=1 and LISTEN_PID ours): descriptor 3.
int socket_from_systemd() {
  const char* fds = std::getenv("LISTEN_FDS");
  const char* pid = std::getenv("LISTEN_PID");
  if (fds == nullptr || pid == nullptr || std::atol(pid) != static_cast<long>(::getpid())) return -1;
  if (std::atoi(fds) < 1) return -1;
  return 3;
}

int listen_on(const std::string& address, std::string* error) {
  if (address.rfind("unix:", 0) == 0) {
    const std::string path = address.substr(5);
    sockaddr_un where{};
    where.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof where.sun_path) {
      *error = "the socket path is empty or too long";
      return -1;
    }
    std::memcpy(where.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());  // stale
    if (::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0 ||
        ::chmod(path.c_str(), 0666) != 0 || ::listen(fd, 64) != 0) {
      *error = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    return fd;
  }
  if (address.rfind("inet:", 0) == 0) {
    std::string rest = address.substr(5);
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
      *error = "inet:HOST:PORT";
      return -1;
    }
    std::string host = rest.substr(0, colon);
    const int port = std::atoi(rest.c_str() + colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    sockaddr_storage where{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&where);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&where);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<std::uint16_t>(port));
      length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<std::uint16_t>(port));
      length = sizeof *v6;
    } else {
      *error = "not an IP address: " + host;
      return -1;
    }
    const int fd = ::socket(where.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&where), length) != 0 || ::listen(fd, 64) != 0) {
      *error = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    return fd;
  }
  *error = "the address is unix:PATH or inet:HOST:PORT";
  return -1;
}

}  // namespace

int listen_and_serve(const ListenSettings& settings, int log_fd) {
  log_settings = &settings.server;
  std::string error;
  int listener = socket_from_systemd();
  if (listener < 0) listener = listen_on(settings.address, &error);
  if (listener < 0) {
    log_line(log_fd, "cannot listen on \"" + settings.address + "\": " + error);
    return 75;
  }
  struct sigaction on_stop {};
  on_stop.sa_handler = stop;  // no SA_RESTART: poll returns
  ::sigaction(SIGTERM, &on_stop, nullptr);
  ::sigaction(SIGINT, &on_stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string hostname = settings.server.hostname.empty() ? sys::hostname() : settings.server.hostname;
  log_line(log_fd, "listening on " + settings.address);
  long active = 0;
  while (stopping == 0) {
    int status = 0;
    while (active > 0 && ::waitpid(-1, &status, WNOHANG) > 0) --active;
    pollfd wait{listener, POLLIN, 0};
    if (::poll(&wait, 1, 1000) <= 0) continue;
    if ((wait.revents & POLLNVAL) != 0) {
      log_line(log_fd, "the listening socket is not open (LISTEN_FDS without descriptor 3?)");
      return 75;
    }
    const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    if (active >= settings.max_connections) {
      log_line(log_fd, "more than " + std::to_string(settings.max_connections) +
                           " connections at once: one refused");
      const std::string busy = "421 4.3.2 " + hostname + " too many connections, try again later\r\n";
      (void)!::write(connection, busy.data(), busy.size());
      ::close(connection);
      continue;
    }
    const pid_t child = sys::fork_clone();
    if (child == 0) {
      ::close(listener);
      std::signal(SIGTERM, SIG_DFL);
      std::signal(SIGINT, SIG_DFL);
      ::_exit(serve_connection(connection, connection, log_fd, settings.server));
    }
    ::close(connection);
    if (child < 0) {
      log_line(log_fd, std::string("cannot fork for a connection: ") + std::strerror(errno));
      continue;
    }
    ++active;
  }
  ::close(listener);
  if (settings.address.rfind("unix:", 0) == 0 && socket_from_systemd() < 0)
    ::unlink(settings.address.substr(5).c_str());
  log_line(log_fd, "stopping: waiting for " + std::to_string(active) + " connection(s)");
  int status = 0;
  while (::waitpid(-1, &status, 0) > 0 || errno == EINTR) {
  }
  return 0;
}

}  // namespace mailsift::lmtp

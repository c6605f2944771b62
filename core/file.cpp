#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace attestd {

namespace {
Error file_error(const std::string& path, const std::string& what) {
  return Error(ErrorCode::FileError, path + ": " + what);
}
std::string errno_text() { return std::strerror(errno); }
}  // namespace

Result<Bytes> read_stream(int fd, const std::string& name, std::size_t max_size) {
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    // Ask for no more than one byte past the limit: enough to know it is exceeded.
    std::size_t want = std::min(sizeof buf, max_size + 1 - out.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error(name, errno_text());
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_size) {
      return file_error(name, "larger than the limit of " + std::to_string(max_size) + " bytes");
    }
  }
  return out;
}

Result<std::string> read_text_stdin(std::size_t max_size) {
  auto bytes = read_stream(STDIN_FILENO, "standard input", max_size);
  if (!bytes) return bytes.error();
  return std::string(bytes->begin(), bytes->end());
}

Result<Bytes> read_file(const std::string& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(path, errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error e = file_error(path, errno_text());
    ::close(fd);
    return e;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return file_error(path, "is a directory");
  }
  auto out = read_stream(fd, path, max_size);
  ::close(fd);
  return out;
}

Result<std::string> read_text_file(const std::string& path, std::size_t max_size) {
  auto bytes = read_file(path, max_size);
  if (!bytes) return bytes.error();
  return std::string(bytes->begin(), bytes->end());
}

Status write_file(const std::string& path, ByteView data, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return file_error(tmp, errno_text());
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = file_error(tmp, errno_text());
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Error e = file_error(tmp, errno_text());
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = file_error(path, errno_text());
    ::unlink(tmp.c_str());
    return e;
  }
  return ok_status();
}

}  // namespace attestd

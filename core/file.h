// Bounded file I/O: no input can make us read without limit.
#pragma once

#include <cstddef>
#include <string>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd {

inline constexpr std::size_t kDefaultMaxFileSize = 16 * 1024 * 1024;

// Reads a whole regular file; FileError names the path and the reason.
Result<Bytes> read_file(const std::string& path, std::size_t max_size = kDefaultMaxFileSize);
Result<std::string> read_text_file(const std::string& path,
                                   std::size_t max_size = kDefaultMaxFileSize);
// Reads an open descriptor (a pipe, standard input) to its end, but never more than
// max_size + 1 bytes: past the limit it stops with FileError "NAME: larger than the
// limit of N bytes", leaving the rest unread. Every reader above goes through it.
Result<Bytes> read_stream(int fd, const std::string& name, std::size_t max_size);
// Standard input as text, bounded the same way (named "standard input").
Result<std::string> read_text_stdin(std::size_t max_size);
// Writes atomically (temporary file, then rename) with the given mode.
Status write_file(const std::string& path, ByteView data, unsigned mode = 0644);

}  // namespace attestd

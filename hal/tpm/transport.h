// How TPM 2.0 command bytes reach a TPM and its response comes back: the kernel's
// resource-managed character device (/dev/tpmrm0), or the TCP command port of swtpm /
// Microsoft's reference simulator (the "MS simulator" framing, used by tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/bytes.h"
#include "core/error.h"

namespace attestd::hal::tpm {

// TPM2 commands and responses are at most 4096 bytes on every TPM we know
// (TPM_PT_MAX_COMMAND_SIZE / TPM_PT_MAX_RESPONSE_SIZE); twice that bounds what we accept.
inline constexpr std::size_t kMaxResponseSize = 8192;

class TpmTransport {
 public:
  virtual ~TpmTransport() = default;
  // Sends one marshalled command, returns the whole marshalled response (header
  // included). DeviceError for I/O failures and responses over kMaxResponseSize; the
  // response's contents are the caller's to judge. Safe to call from several threads:
  // commands are serialised.
  virtual Result<Bytes> transact(ByteView command) = 0;
  // "/dev/tpmrm0", "swtpm 127.0.0.1:2321": for error messages.
  virtual std::string describe() const = 0;
};

// A TPM character device: write the command, read the response (one read). The device
// is opened on first use and kept open until an exchange fails; the next command then
// opens it again.
class DeviceTransport : public TpmTransport {
 public:
  explicit DeviceTransport(std::string path = "/dev/tpmrm0") : path_(std::move(path)) {}
  ~DeviceTransport() override;
  DeviceTransport(const DeviceTransport&) = delete;
  DeviceTransport& operator=(const DeviceTransport&) = delete;

  Result<Bytes> transact(ByteView command) override;
  std::string describe() const override { return path_; }

 private:
  Result<Bytes> exchange(ByteView command);  // on fd_, open

  std::string path_;
  int fd_ = -1;
  std::mutex mu_;
};

// The MS simulator TCP protocol that swtpm's --server port speaks: u32 TPM_SEND_COMMAND
// (8), u8 locality, u32 size, the command; back: u32 size, the response, u32 ack (0).
// One connection per command, so that several clients (the guest's source and a test's
// paravisor emulator) can share one swtpm, which serves one connection at a time, and a
// restarted swtpm is reached by the next command.
class SocketTransport : public TpmTransport {
 public:
  SocketTransport(std::string host, std::uint16_t port,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
                  std::uint8_t locality = 0)
      : host_(std::move(host)), port_(port), timeout_(timeout), locality_(locality) {}

  Result<Bytes> transact(ByteView command) override;
  std::string describe() const override;

 private:
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::uint8_t locality_;
  std::mutex mu_;
};

}  // namespace attestd::hal::tpm

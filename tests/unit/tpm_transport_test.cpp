// TPM transports after a failure: the next command reaches the TPM afresh (a device
// reopened, a socket reconnected), so a vTPM or swtpm that comes back is used again
// without restarting the process.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "hal/tpm/tpm.h"
#include "hal/tpm/transport.h"
#include "tests/mocks/azure/swtpm.h"
#include "tests/support.h"

namespace attestd::hal::tpm {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  std::string dir = test::tmp_dir() + "/tpm-transport-" + name + "-" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tpm_transport)

BOOST_AUTO_TEST_CASE(a_device_transport_reopens_the_device_after_an_io_failure) {
  // The device path first leads to /dev/full (every write fails), then to a FIFO (which
  // hands back what was written): only a transport that reopens the path sees the change.
  std::string dir = scratch("device");
  std::string device = dir + "/tpmrm0", fifo = dir + "/echo";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  fs::create_symlink("/dev/full", device);
  DeviceTransport transport(device);
  const Bytes command = {0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b, 0x00, 0x08};

  auto failed = transport.transact(command);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().describe() == "DeviceError: " + device + ": write: No space left on device");

  fs::remove(device);
  fs::create_symlink(fifo, device);
  auto answered = transport.transact(command);
  BOOST_REQUIRE_MESSAGE(answered.ok(), test::why(answered));
  BOOST_TEST((*answered == command));
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_socket_transport_reaches_a_restarted_swtpm_on_the_next_command) {
  azuresim::test::Swtpm swtpm("transport-restart");
  Tpm tpm(swtpm.transport());
  BOOST_REQUIRE(tpm.get_random(8).ok());

  swtpm.kill();
  auto down = tpm.get_random(8);
  BOOST_REQUIRE(!down.ok());
  BOOST_TEST(down.error().describe() == "DeviceError: TPM2_GetRandom: TPM socket 127.0.0.1:" +
                                            std::to_string(swtpm.port()) + ": connect: Connection refused");

  swtpm.restart();
  auto up = tpm.get_random(8);
  BOOST_TEST(up.ok(), test::why(up));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace attestd::hal::tpm

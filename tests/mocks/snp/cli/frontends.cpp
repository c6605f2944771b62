#include "tests/mocks/snp/cli/frontends.h"

#define FUSE_USE_VERSION 35
#include <fuse3/cuse_lowlevel.h>
#include <fuse3/fuse.h>
#include <fuse3/fuse_lowlevel.h>

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/file.h"
#include "tests/mocks/snp/cuse_ioctl.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/tsm_tree.h"

namespace attestd::snpsim {

namespace {

// ---- CUSE: /dev/sev-guest --------------------------------------------------------------

SimSevGuestDevice* g_device = nullptr;

void cuse_open(fuse_req_t req, struct fuse_file_info* fi) { fuse_reply_open(req, fi); }

void cuse_ioctl(fuse_req_t req, int cmd, void* arg, struct fuse_file_info*, unsigned flags,
                const void* in_buf, size_t in_bufsz, size_t out_bufsz) {
  if (flags & FUSE_IOCTL_COMPAT) {  // a 32-bit caller: the driver has no compat ioctls
    fuse_reply_err(req, ENOTTY);
    return;
  }
  ByteView in(static_cast<const std::uint8_t*>(in_buf), in_buf ? in_bufsz : 0);
  CuseIoctlStep step =
      cuse_sev_guest_ioctl(*g_device, static_cast<unsigned int>(cmd), reinterpret_cast<std::uint64_t>(arg), in, out_bufsz);
  if (step.retry) {
    std::vector<struct iovec> in_iov, out_iov;
    for (const IoSpan& s : step.in) in_iov.push_back({reinterpret_cast<void*>(s.address), s.length});
    for (const IoSpan& s : step.out) out_iov.push_back({reinterpret_cast<void*>(s.address), s.length});
    fuse_reply_ioctl_retry(req, in_iov.data(), in_iov.size(), out_iov.data(), out_iov.size());
    return;
  }
  if (step.out_data.empty() && step.result < 0) {
    fuse_reply_err(req, -step.result);
    return;
  }
  // An error result with output: FUSE copies the buffers out, then returns the error.
  fuse_reply_ioctl(req, step.result, step.out_data.data(), step.out_data.size());
}

// ---- FUSE: configfs-tsm ----------------------------------------------------------------

TsmTree* g_tree = nullptr;

struct OpenFile {
  std::string path;
  bool binary = false;
  bool dirty = false;
  Bytes pending;  // a binary attribute's writes, committed on flush (configfs: on close)
  bool have_value = false;
  Bytes value;    // what reads return (configfs reads an attribute once, then serves it)
};

OpenFile* file_of(struct fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }

int tsm_getattr(const char* path, struct stat* st, struct fuse_file_info*) {
  TsmTree::Attr attr;
  if (int rc = g_tree->getattr(path, attr); rc != 0) return rc;
  std::memset(st, 0, sizeof *st);
  st->st_mode = (attr.directory ? S_IFDIR : S_IFREG) | attr.mode;
  st->st_nlink = attr.directory ? 2 : 1;
  st->st_size = attr.directory ? 0 : 4096;  // as configfs shows every attribute
  return 0;
}

int tsm_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, struct fuse_file_info*,
                enum fuse_readdir_flags) {
  std::vector<std::string> names;
  if (int rc = g_tree->list(path, names); rc != 0) return rc;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  for (const std::string& n : names) fill(buf, n.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int tsm_mkdir(const char* path, mode_t) { return g_tree->make_dir(path); }
int tsm_rmdir(const char* path) { return g_tree->remove_dir(path); }
int tsm_unlink(const char*) { return -EPERM; }
int tsm_mknod(const char*, mode_t, dev_t) { return -EPERM; }

int tsm_open(const char* path, struct fuse_file_info* fi) {
  TsmTree::Attr attr;
  if (int rc = g_tree->getattr(path, attr); rc != 0) return rc;
  if (attr.directory) return -EISDIR;
  int acc = fi->flags & O_ACCMODE;
  if ((acc != O_WRONLY && !(attr.mode & 0444)) || (acc != O_RDONLY && !(attr.mode & 0200))) return -EACCES;
  auto* f = new OpenFile;
  f->path = path;
  f->binary = TsmTree::is_binary(path);
  fi->fh = reinterpret_cast<std::uint64_t>(f);
  fi->direct_io = 1;  // every read reaches us, whatever st_size says
  return 0;
}

int tsm_read(const char*, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  OpenFile* f = file_of(fi);
  if (!f->have_value) {
    if (int rc = g_tree->read(f->path, f->value); rc != 0) return rc;
    f->have_value = true;
  }
  if (off < 0 || static_cast<std::size_t>(off) >= f->value.size()) return 0;
  std::size_t n = std::min(size, f->value.size() - static_cast<std::size_t>(off));
  std::memcpy(buf, f->value.data() + off, n);
  return static_cast<int>(n);
}

int tsm_write(const char*, const char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  OpenFile* f = file_of(fi);
  ByteView data(reinterpret_cast<const std::uint8_t*>(buf), size);
  if (!f->binary) {
    int rc = g_tree->write(f->path, data);
    return rc != 0 ? rc : static_cast<int>(size);
  }
  if (off < 0 || static_cast<std::size_t>(off) + size > kTsmInblobMax) return -EFBIG;
  if (f->pending.size() < off + size) f->pending.resize(off + size);
  std::memcpy(f->pending.data() + off, buf, size);
  f->dirty = true;
  return static_cast<int>(size);
}

int tsm_flush(const char*, struct fuse_file_info* fi) {
  OpenFile* f = file_of(fi);
  if (!f->dirty) return 0;
  f->dirty = false;
  return g_tree->write(f->path, f->pending);
}

int tsm_release(const char*, struct fuse_file_info* fi) {
  delete file_of(fi);
  return 0;
}

int tsm_truncate(const char* path, off_t, struct fuse_file_info*) {
  TsmTree::Attr attr;
  if (int rc = g_tree->getattr(path, attr); rc != 0) return rc;
  return attr.directory ? -EISDIR : (attr.mode & 0200) ? 0 : -EACCES;
}

void* tsm_init(struct fuse_conn_info*, struct fuse_config* cfg) {
  cfg->direct_io = 1;
  cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;  // entries come and go
  return nullptr;
}

}  // namespace

namespace {

std::atomic<bool> g_loop_ended{false};  // a front-end's loop returned on its own
std::mutex g_init_mu;
std::condition_variable g_init_cv;
bool g_cuse_ready = false;

void cuse_init_done(void*) {  // the kernel took CUSE_INIT: /dev/NAME exists now
  std::lock_guard<std::mutex> lock(g_init_mu);
  g_cuse_ready = true;
  g_init_cv.notify_all();
}

// Ends the process once the front-ends run: their threads may be inside a request, so
// nothing they use is unwound. The kernel removes the CUSE device when we are gone.
[[noreturn]] void finish(struct fuse* tsm, int code, const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "snp-sim: %s\n", why.c_str());
  if (tsm) fuse_unmount(tsm);
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace

Status serve_frontends(const SimIdentity& identity, const ReportRequest& base, const FrontendOptions& options) {
  if (options.cuse_name.empty() && options.tsm_mount.empty()) {
    return Error(ErrorCode::Usage, "serve: nothing to serve (give --sev-guest NAME and/or --tsm DIR)");
  }
  // Alive until the process ends (finish): the front-ends' threads use them.
  static std::unique_ptr<SimSevGuestDevice> device;
  static std::unique_ptr<TsmTree> tree;
  device = std::make_unique<SimSevGuestDevice>(identity, base);
  tree = std::make_unique<TsmTree>(identity, base, host_certificates(identity, base.use_vlek));
  g_device = device.get();
  g_tree = tree.get();

  // The signals end the service; every thread inherits the mask and one waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop, s);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  const pid_t self = getpid();

  // Both front-ends are set up before either serves, so a failure leaves nothing behind.
  struct fuse* tsm = nullptr;
  if (!options.tsm_mount.empty()) {
    static struct fuse_operations ops;
    ops.getattr = tsm_getattr;
    ops.readdir = tsm_readdir;
    ops.mkdir = tsm_mkdir;
    ops.rmdir = tsm_rmdir;
    ops.unlink = tsm_unlink;
    ops.mknod = tsm_mknod;
    ops.open = tsm_open;
    ops.read = tsm_read;
    ops.write = tsm_write;
    ops.flush = tsm_flush;
    ops.release = tsm_release;
    ops.truncate = tsm_truncate;
    ops.init = tsm_init;
    char a0[] = "snp-sim";
    char* argv[] = {a0, nullptr};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    tsm = fuse_new(&args, &ops, sizeof ops, nullptr);
    if (tsm == nullptr || fuse_mount(tsm, options.tsm_mount.c_str()) != 0) {
      if (tsm) fuse_destroy(tsm);
      return Error(ErrorCode::DeviceError, "serve: cannot mount configfs-tsm at " + options.tsm_mount +
                                               " (FUSE: is /dev/fuse present, the directory there and not a"
                                               " stale mount?)");
    }
  }
  struct fuse_session* cuse = nullptr;
  if (!options.cuse_name.empty()) {
    static struct cuse_lowlevel_ops cops;
    cops.open = cuse_open;
    cops.ioctl = cuse_ioctl;
    cops.init_done = cuse_init_done;
    std::string devname = "DEVNAME=" + options.cuse_name;
    const char* dev_info[] = {devname.c_str()};
    struct cuse_info ci {};
    ci.dev_info_argc = 1;
    ci.dev_info_argv = dev_info;
    ci.flags = CUSE_UNRESTRICTED_IOCTL;
    char a0[] = "snp-sim", a1[] = "-f", a2[] = "-s";
    char* argv[] = {a0, a1, a2, nullptr};
    int multithreaded = 0;
    cuse = cuse_lowlevel_setup(3, argv, &ci, &cops, &multithreaded, nullptr);
    if (cuse == nullptr) {
      if (tsm) {
        fuse_unmount(tsm);
        fuse_destroy(tsm);
      }
      return Error(ErrorCode::DeviceError, "serve: cannot create the CUSE device /dev/" + options.cuse_name +
                                               " (is the cuse module loaded and /dev/cuse present?)");
    }
  }

  // cuse_lowlevel_setup installs libfuse's handlers; the signals stay blocked for them.
  auto serve_loop = [self](auto loop) {
    std::thread([loop, self] {
      loop();
      g_loop_ended = true;
      ::kill(self, SIGTERM);
    }).detach();
  };
  if (tsm) serve_loop([tsm] { fuse_loop(tsm); });
  if (cuse) {
    serve_loop([cuse] { fuse_session_loop(cuse); });
    std::unique_lock<std::mutex> lock(g_init_mu);
    if (!g_init_cv.wait_for(lock, std::chrono::seconds(10), [] { return g_cuse_ready; })) {
      finish(tsm, 1, "serve: the kernel did not complete CUSE_INIT for /dev/" + options.cuse_name + " in 10 s");
    }
  }

  std::fprintf(stderr, "snp-sim: serving%s%s%s%s (%s test identity, policy 0x%llx)\n",
               cuse ? " /dev/" : "", cuse ? options.cuse_name.c_str() : "", tsm ? " configfs-tsm at " : "",
               tsm ? options.tsm_mount.c_str() : "", std::string(snp::product_name(identity.product)).c_str(),
               static_cast<unsigned long long>(base.policy));
  if (!options.ready_file.empty()) {
    if (Status s = write_file(options.ready_file, Bytes{'r', 'e', 'a', 'd', 'y', '\n'}); !s) {
      finish(tsm, 1, "serve: " + s.error().describe());
    }
  }

  int sig = 0;
  sigwait(&stop, &sig);
  if (g_loop_ended) finish(tsm, 1, "a front-end stopped serving (its device or mount went away)");
  finish(tsm, 0, std::string(strsignal(sig)) + ", stopping");
}

}  // namespace attestd::snpsim

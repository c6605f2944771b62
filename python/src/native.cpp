// attestd._native: the C++ client library, for the Python package (python/attestd).
// Nothing here decides whether evidence is good: every check is the library's own
// (AgentSession::establish, check_token_text, check_report_file), the same code as the
// attest CLI's. This file only converts arguments and results, releases the GIL around
// network and cryptography, and raises each library Error as the attestd exception of the
// same name (attestd._errors.error_for).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <json/writer.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "client/lib/agent_session.h"
#include "client/lib/evidence_files.h"
#include "client/lib/maa_jwks.h"
#include "client/lib/maa_token.h"
#include "client/lib/offline_checks.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/time.h"
#include "verify/policy.h"
#include "verify/roots.h"

namespace py = pybind11;
using namespace attestd;

namespace {

// A library Error on its way to Python (translated below).
struct Failure {
  ErrorCode code;
  std::string message;
};

[[noreturn]] void fail(const Error& e) { throw Failure{e.code(), e.message()}; }
[[noreturn]] void usage(const std::string& message) { fail(Error(ErrorCode::Usage, message)); }

template <typename T>
T take(Result<T> r) {
  if (!r) fail(r.error());
  return std::move(r).value();
}

constexpr double kMaxTimeoutSeconds = 3600;

int timeout_ms(double seconds, const char* what) {
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxTimeoutSeconds) {
    usage(std::string(what) + " must be more than 0 and at most 3600 seconds");
  }
  return std::max(1, static_cast<int>(seconds * 1000));
}

// The policy a relying party checks against (docs/policy.md).
struct PolicyHandle {
  verify::Policy policy = verify::default_policy();
};

PolicyHandle policy_from_json(const std::string& text) {
  auto p = verify::parse_policy(text);
  if (!p) fail(p.error());
  return PolicyHandle{std::move(p).value()};
}

PolicyHandle policy_from_file(const std::string& path) { return PolicyHandle{take(verify::load_policy(path))}; }

// The pinned MAA instance and where its signing keys come from: a JWK Set the caller
// gives, or {url}/certs fetched over HTTPS (kept an hour; refreshed after an unknown kid).
struct MaaKeysHandle {
  std::string url;
  std::unique_ptr<client::MaaKeySource> source;
};

std::shared_ptr<MaaKeysHandle> make_keys(const std::string& maa_url, const std::optional<std::string>& jwks_path,
                                         const std::optional<std::string>& jwks_json, const std::string& ca_file,
                                         bool allow_plain_http) {
  auto handle = std::make_shared<MaaKeysHandle>();
  handle->url = take(client::normalize_maa_url(
      maa_url, allow_plain_http ? client::PlainHttp::LoopbackAllowed : client::PlainHttp::Refused,
      "allow_plain_http_maa=True"));
  if (jwks_path) {
    handle->source = std::make_unique<client::StaticMaaKeys>(take(client::StaticMaaKeys::from_file(*jwks_path)));
  } else if (jwks_json) {
    handle->source = std::make_unique<client::StaticMaaKeys>(take(client::StaticMaaKeys::from_json(*jwks_json, "jwks")));
  } else {
    net::HttpClientOptions http;
    http.ca_file = ca_file;
    http.connect_timeout_ms = 5000;
    http.total_timeout_ms = 10000;
    // Long-lived: keys are cached, and a refresh after an unknown kid waits 10 s.
    handle->source = std::make_unique<client::FetchedMaaKeys>(handle->url, http, 3600, 10);
  }
  return handle;
}

py::bytes to_bytes(const std::string& s) { return py::bytes(s.data(), s.size()); }

// Text from the library as a Python str whatever its bytes: messages carry an agent's or
// MAA's words, which need not be UTF-8 (`errors`: "backslashreplace" shows the bytes,
// "replace" keeps JSON text parseable).
py::str to_str(const std::string& s, const char* errors) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), errors);
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

// A result document for Python's json.loads: ASCII, non-ASCII characters as \uXXXX.
py::str json_text(const Json::Value& v) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  builder["emitUTF8"] = false;
  return to_str(Json::writeString(builder, v), "replace");
}

// One attested connection (AgentSession). Not thread-safe: the Python Session serialises.
class SessionHandle {
 public:
  static std::unique_ptr<SessionHandle> attest(const std::string& url, std::shared_ptr<MaaKeysHandle> keys,
                                               const PolicyHandle& policy, double timeout_seconds) {
    client::AgentEndpoint endpoint = take(client::parse_agent_url(url));
    client::SessionOptions options;
    options.maa_url = keys->url;
    options.policy = policy.policy;
    options.timeout_ms = timeout_ms(timeout_seconds, "timeout");
    std::optional<Result<client::AgentSession>> session;
    {
      py::gil_scoped_release unlocked;
      session.emplace(client::AgentSession::establish(endpoint, *keys->source, options));
    }
    if (!*session) fail(session->error());
    return std::unique_ptr<SessionHandle>(
        new SessionHandle(std::move(endpoint), std::move(keys), std::move(*session).value()));
  }

  bool usable() {
    py::gil_scoped_release unlocked;
    return session_.usable();
  }

  void abandon() { session_.abandon(); }

  // (status, [(name, value)], body): names lowercased (tokens: ASCII), in the order
  // received; values as the octets they are (RFC 9110 5.5), for the caller to decode.
  std::tuple<long, std::vector<std::pair<std::string, py::bytes>>, py::bytes> request(
      const std::string& method, const std::string& target, const net::HeaderList& headers, const std::string& body,
      std::optional<double> timeout_seconds) {
    int ms = timeout_seconds ? timeout_ms(*timeout_seconds, "timeout") : 0;
    std::optional<Result<net::HttpResult>> answer;
    {
      py::gil_scoped_release unlocked;
      answer.emplace(session_.request(method, target, headers, body, ms));
    }
    if (!*answer) fail(answer->error());
    net::HttpResult& r = answer->value();
    std::vector<std::pair<std::string, py::bytes>> fields;
    for (auto& [name, value] : r.headers) fields.emplace_back(std::move(name), to_bytes(value));
    return {r.status, std::move(fields), to_bytes(r.body)};
  }

  py::str summary() const { return json_text(client::session_json(session_, endpoint_)); }

 private:
  SessionHandle(client::AgentEndpoint endpoint, std::shared_ptr<MaaKeysHandle> keys, client::AgentSession session)
      : endpoint_(std::move(endpoint)), keys_(std::move(keys)), session_(std::move(session)) {}

  client::AgentEndpoint endpoint_;
  std::shared_ptr<MaaKeysHandle> keys_;  // the session's key source lives as long as it
  client::AgentSession session_;
};

UnixTime time_or_now(const std::optional<std::int64_t>& at) { return at ? static_cast<UnixTime>(*at) : now_unix(); }

py::str verify_token(const std::string& token, MaaKeysHandle& keys, const PolicyHandle& policy,
                         const std::optional<std::string>& nonce, const std::optional<std::string>& runtime_data,
                         const std::optional<std::int64_t>& at) {
  client::TokenExpectations expect;
  expect.nonce = nonce;
  if (runtime_data) expect.runtime_data = take(parse_json(*runtime_data, "runtime_data"));
  std::optional<Result<client::VerifiedToken>> verified;
  {
    py::gil_scoped_release unlocked;
    verified.emplace(client::check_token_text(token, keys.url, *keys.source, time_or_now(at), policy.policy, expect));
  }
  if (!*verified) fail(verified->error());
  return json_text((*verified)->claims());
}

// An input given as (is a path, bytes, the path or a description): a path is read here,
// as the CLI reads it (its bounds and messages); the name is used in messages.
using Input = std::tuple<bool, std::string, std::string>;

py::str verify_report(const Input& report, const std::vector<Input>& certs, const PolicyHandle& policy,
                      const std::optional<std::int64_t>& at, const std::vector<std::string>& trusted_roots) {
  const auto& [report_is_path, report_given, report_name] = report;
  Bytes report_bytes;
  if (report_is_path) {
    report_bytes = take(read_file(report_name, client::kMaxEvidenceFile));
  } else {
    if (report_given.size() > client::kMaxEvidenceFile) {
      fail(Error(ErrorCode::MalformedReport, report_name + ": more than " +
                                                 std::to_string(client::kMaxEvidenceFile) + " bytes"));
    }
    report_bytes.assign(report_given.begin(), report_given.end());
  }
  std::vector<crypto::Certificate> chain;
  for (const auto& [is_path, given, name] : certs) {
    if (is_path) {
      auto loaded = take(client::load_certificates(name));
      chain.insert(chain.end(), loaded.begin(), loaded.end());
      continue;
    }
    if (given.size() > client::kMaxEvidenceFile) {
      fail(Error(ErrorCode::MalformedCertificate,
                 name + ": more than " + std::to_string(client::kMaxEvidenceFile) + " bytes"));
    }
    auto parsed = client::parse_certificates(as_bytes(given));
    if (!parsed) fail(parsed.error().with_context(name));
    chain.insert(chain.end(), parsed->begin(), parsed->end());
  }
  verify::RootStore store = verify::RootStore::amd();
  for (const auto& path : trusted_roots) {
    store.add(take(client::load_product_chain(path, "trusted by trust_sim_root " + path)));
  }
  verify::VerifyOptions options;
  options.at = time_or_now(at);
  options.roots = &store;
  std::optional<Result<client::CheckedReport>> checked;
  {
    py::gil_scoped_release unlocked;
    checked.emplace(client::check_report_file(report_bytes, report_name, chain, policy.policy, options));
  }
  if (!*checked) fail(checked->error());
  return json_text(client::checked_report_json(checked->value(), options.at));
}

std::vector<std::tuple<std::string, int, std::string>> error_codes() {
  std::vector<std::tuple<std::string, int, std::string>> out;
  for (ErrorCode c : all_error_codes()) {
    out.emplace_back(std::string(error_name(c)), exit_code(c), std::string(error_meaning(c)));
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "attestd's C++ client library (use the attestd package, not this module)";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Failure& f) {
      try {
        py::object exc = py::module_::import("attestd._errors")
                             .attr("error_for")(static_cast<int>(f.code), std::string(error_name(f.code)),
                                                to_str(f.message, "backslashreplace"));
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
      } catch (py::error_already_set& e) {
        e.restore();
      }
    }
  });

  py::class_<PolicyHandle>(m, "Policy")
      .def(py::init<>(), "The default policy: not debuggable, no migration agent, azure-compliant-cvm.")
      .def_static("from_json", &policy_from_json, py::arg("text"))
      .def_static("from_file", &policy_from_file, py::arg("path"));

  py::class_<MaaKeysHandle, std::shared_ptr<MaaKeysHandle>>(m, "MaaKeys")
      .def(py::init(&make_keys), py::arg("maa_url"), py::arg("jwks_path") = py::none(),
           py::arg("jwks_json") = py::none(), py::arg("ca_file") = "", py::arg("allow_plain_http") = false)
      .def_readonly("url", &MaaKeysHandle::url);

  py::class_<SessionHandle>(m, "Session")
      .def_static("attest", &SessionHandle::attest, py::arg("url"), py::arg("keys"), py::arg("policy"),
                  py::arg("timeout"))
      .def("usable", &SessionHandle::usable)
      .def("abandon", &SessionHandle::abandon)
      .def("request", &SessionHandle::request, py::arg("method"), py::arg("target"), py::arg("headers"),
           py::arg("body"), py::arg("timeout") = py::none())
      .def("summary", &SessionHandle::summary);

  m.def("verify_token", &verify_token, py::arg("token"), py::arg("keys"), py::arg("policy"),
        py::arg("nonce") = py::none(), py::arg("runtime_data") = py::none(), py::arg("at") = py::none());
  m.def("verify_report", &verify_report, py::arg("report"), py::arg("certs"), py::arg("policy"),
        py::arg("at") = py::none(), py::arg("trusted_roots") = std::vector<std::string>{});
  m.def("error_codes", &error_codes);
}

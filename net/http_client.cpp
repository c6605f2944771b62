#include "net/http_client.h"

#include "core/text.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "crypto/internal/mbedtls_error.h"
#include "net/http.h"

namespace attestd::net {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // mbedTLS 3.6 wants psa_crypto_init() before TLS 1.3 and curl never calls it (mbedTLS
    // does on its own TLS 1.3 path today); the process-wide init is cheap and certain.
    crypto::detail::ensure_psa();
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

bool append(Slist& list, const std::string& item) {
  curl_slist* l = curl_slist_append(list.get(), item.c_str());
  if (!l) return false;
  list.release();
  list.reset(l);
  return true;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Sink {
  HttpResult result;
  std::size_t max_body = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (sink->result.body.size() + len > sink->max_body) {
    sink->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink->result.body.append(data, len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string_view line(data, size * n);
  auto& headers = sink->result.headers;
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();  // a new response (after a 100 Continue): only the last one counts
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
    headers.back().second += " " + std::string(trim(line));  // obsolete line folding
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(ascii_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * n;
}

Error network_error(const std::string& method, const std::string& url, const std::string& why) {
  return Error(ErrorCode::NetworkError, method + " " + url + ": " + why);
}

// curl's category, then its detail without the category repeated at its end:
// "Could not connect to server: Failed to connect to 127.0.0.1 port 1 after 0 ms".
std::string curl_reason(CURLcode rc, const char* errbuf) {
  std::string category = curl_easy_strerror(rc);
  std::string detail(trim(errbuf));  // mbedTLS's verification text ends with a newline
  for (char& ch : detail) {
    if (ch == '\n') ch = ' ';
  }
  std::string suffix = ": " + category;
  if (detail.size() >= suffix.size() && detail.compare(detail.size() - suffix.size(), suffix.size(), suffix) == 0) {
    detail.resize(detail.size() - suffix.size());
  }
  if (detail.empty() || detail == category) return category;
  return category + ": " + detail;
}

}  // namespace

std::optional<std::string> HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

Result<HttpResult> http_request(const std::string& method, const std::string& url,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body, const HttpClientOptions& options) {
  global_init();
  if (method.empty() || has_line_break(method) || method.find(' ') != std::string::npos) {
    return Error(ErrorCode::MalformedInput, "HTTP method \"" + method + "\" is not a token");
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return network_error(method, url, "curl_easy_init failed");
  CURL* c = curl.get();

  Slist header_list;
  bool sets_expect = false;
  for (const auto& [name, value] : headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) || name.find(':') != std::string::npos) {
      return Error(ErrorCode::MalformedInput, "HTTP header \"" + name + "\" is malformed");
    }
    sets_expect = sets_expect || iequals(name, "Expect");
    // "Name;" is curl's way to send a header with an empty value.
    if (!append(header_list, value.empty() ? name + ";" : name + ": " + value)) {
      return network_error(method, url, "out of memory");
    }
  }
  // No "Expect: 100-continue" round trip for large bodies.
  if (!sets_expect && !append(header_list, "Expect:")) return network_error(method, url, "out of memory");
  Slist resolve_list;
  for (const auto& entry : options.resolve) {
    if (!append(resolve_list, entry)) return network_error(method, url, "out of memory");
  }

  Sink sink;
  sink.max_body = options.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we run on many threads
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.total_timeout_ms);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "attestd");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  if (resolve_list) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve_list.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);

  if (method == "GET" && body.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return network_error(method, url, "response body larger than " + std::to_string(options.max_response_bytes) + " bytes");
    }
    return network_error(method, url, curl_reason(rc, errbuf));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sink.result.status);
  return std::move(sink.result);
}

}  // namespace attestd::net

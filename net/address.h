// Network addresses as text: "host:port" forms, and which hosts are loopback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace attestd::net {

struct HostPort {
  std::string host;  // without the brackets of "[v6]"
  std::uint16_t port = 0;
};

// "host:port" or "[v6]:port" with a decimal port 0-65535; nullopt when the form is wrong
// (a bare IPv6 address needs brackets).
std::optional<HostPort> split_host_port(std::string_view address);

// True only for a numeric IPv4 address in 127.0.0.0/8 or the IPv6 address ::1 (also
// as ::ffff:127.x.y.z). Names, "localhost" included, are never resolved and are false:
// what a name resolves to is not ours to trust.
bool is_loopback_ip(std::string_view host);

}  // namespace attestd::net

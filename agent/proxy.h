// What the application behind attestd receives (docs/agent.md, "Reverse proxy"): the
// request's end-to-end header fields, and attestd's own account of the client; and what
// the client receives of the application's answer.
#pragma once

#include "net/http.h"

namespace attestd::agent {

// The header fields sent upstream for `request`:
// - hop-by-hop fields stay on the client's hop (RFC 9110 §7.6.1): Connection, every field
//   Connection names, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer,
//   Proxy-Authorization, Proxy-Authenticate; and the framing the upstream request gets
//   anew: Host, Content-Length, Expect;
// - the client's own X-Forwarded-* (every one), Forwarded, X-Real-IP, X-Client-IP and
//   True-Client-IP are dropped: what the application reads there comes from attestd alone;
// - appended: X-Forwarded-For (the peer's address), X-Forwarded-Proto and Forwarded
//   (RFC 7239: for="ADDRESS";proto=https) for a TCP peer; X-Forwarded-Proto: http and no
//   address for the unix socket.
// Trailer fields never reach this point: the server drops them (net/http_codec).
net::HeaderList upstream_headers(const net::HttpRequest& request);

// The header fields of the application's answer passed on to the client: every end-to-end
// field, in order (Set-Cookie, Content-Encoding, ETag, WWW-Authenticate, ...), as a
// reverse proxy does; hop-by-hop fields (the list above, and every field Connection names)
// stay on the upstream hop, and Content-Length is made anew by the server.
net::HeaderList downstream_headers(const net::HeaderList& answer);

}  // namespace attestd::agent

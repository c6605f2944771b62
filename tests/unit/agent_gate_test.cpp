// The attestation gate of attestd's reverse proxy (AgentService::handle), request by request:
// no server, no application, no MAA (a proxied request that passes the gate finds no upstream).
#include <boost/test/unit_test.hpp>

#include "agent/service.h"

using namespace attestd;
using namespace attestd::agent;

namespace {

AgentService make_service(bool require_attestation) {
  ServiceParts parts;
  parts.maa.base_url = "https://127.0.0.1:9";
  parts.require_attestation = require_attestation;  // no upstream: a request past the gate is 404
  auto key = crypto::PrivateKey::generate_ec(crypto::EcCurve::P256);
  if (!key) throw std::runtime_error(key.error().describe());
  return AgentService(std::move(parts), key->public_key());
}

net::HttpRequest proxied(net::ConnectionState* connection) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = r.path = "/generate";
  r.peer = "192.0.2.7:5000";
  r.tls = true;
  r.connection = connection;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_gate)

BOOST_AUTO_TEST_CASE(a_connection_without_an_answered_attestation_gets_428) {
  AgentService service(make_service(true));
  net::ConnectionState state;
  net::HttpResponse r = service.handle(proxied(&state));
  BOOST_TEST(r.status == 428);
  BOOST_TEST(r.body.find("AttestationRequired") != std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(an_attested_connection_passes_the_gate) {
  AgentService service(make_service(true));
  net::ConnectionState state;
  state.attestation_answered = true;
  BOOST_TEST(service.handle(proxied(&state)).status == 404);  // past the gate: no upstream here
}

BOOST_AUTO_TEST_CASE(a_request_without_connection_state_is_not_attested) {
  AgentService service(make_service(true));
  BOOST_TEST(service.handle(proxied(nullptr)).status == 428);  // fails closed
}

BOOST_AUTO_TEST_CASE(the_gate_can_be_turned_off) {
  AgentService service(make_service(false));
  net::ConnectionState state;
  BOOST_TEST(service.handle(proxied(&state)).status == 404);
}

BOOST_AUTO_TEST_CASE(health_and_attestation_are_never_gated) {
  AgentService service(make_service(true));
  net::ConnectionState state;
  net::HttpRequest health = proxied(&state);
  health.method = "GET";
  health.target = health.path = "/healthz";
  BOOST_TEST(service.handle(health).status == 200);
  net::HttpRequest latest = proxied(&state);
  latest.method = "GET";
  latest.target = latest.path = "/attestation";
  BOOST_TEST(service.handle(latest).status != 428);
}

BOOST_AUTO_TEST_SUITE_END()

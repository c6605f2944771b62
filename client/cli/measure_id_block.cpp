#include "client/cli/measure_id_block.h"

#include "core/text.h"
#include "crypto/base64.h"

namespace attestd::cli {

namespace {

Error usage(const std::string& message) { return Error(ErrorCode::Usage, message); }

template <std::size_t N>
Status parse_id(const Args& args, const char* name, std::array<std::uint8_t, N>& out) {
  auto text = args.value(name);
  if (!text) return ok_status();
  auto bytes = hex_decode(*text);
  if (!bytes || bytes->size() != N) {
    return usage(std::string("--") + name + ": expected " + std::to_string(2 * N) + " hex digits (" +
                 std::to_string(N) + " bytes), got '" + *text + "'");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return ok_status();
}

}  // namespace

const std::vector<OptionSpec>& id_block_options() {
  static const std::vector<OptionSpec> options = {
      {"id-key", true}, {"author-key", true}, {"family-id", true}, {"image-id", true},
      {"guest-svn", true}, {"policy", true}, {"launch-digest", true}};
  return options;
}

Result<std::optional<IdBlockRequest>> id_block_request(const Args& args) {
  auto id_key_path = args.value("id-key");
  if (!id_key_path) {
    for (const auto& o : id_block_options()) {
      if (o.name != "id-key" && args.value(o.name)) {
        const char* why = o.name == "launch-digest" ? "it is the measurement an ID block is signed for"
                                                    : "it describes the ID block";
        return usage("--" + o.name + " is only used with --id-key PEM (" + why + ")");
      }
    }
    return std::optional<IdBlockRequest>();
  }
  snp::IdBlock block;
  if (Status s = parse_id(args, "family-id", block.family_id); !s) return s.error();
  if (Status s = parse_id(args, "image-id", block.image_id); !s) return s.error();
  auto svn = args.integer("guest-svn", 0, UINT32_MAX);
  if (!svn) return svn.error();
  if (*svn) block.guest_svn = static_cast<std::uint32_t>(**svn);
  auto policy = args.integer("policy", 0, UINT64_MAX, IntegerBase::DecimalOrHex);
  if (!policy) return policy.error();
  if (*policy) block.policy = **policy;
  // The firmware refuses to launch with a policy that has bit 17 clear or a reserved bit
  // (63:26) set, as parse_report refuses such a report: do not sign one.
  if (!((block.policy >> 17) & 1) || (block.policy >> 26) != 0) {
    return usage("--policy " + hex_number(block.policy) +
                 ": not a guest policy the firmware launches with (bit 17 must be 1, bits 63:26 are reserved)");
  }
  auto id_key = client::read_id_signing_key(*id_key_path);
  if (!id_key) return id_key.error().with_context("--id-key");
  IdBlockRequest request{block, std::move(id_key).value(), std::nullopt};
  if (auto author = args.value("author-key")) {
    auto author_key = client::read_id_signing_key(*author);
    if (!author_key) return author_key.error().with_context("--author-key");
    request.author_key = std::move(author_key).value();
  }
  return std::optional<IdBlockRequest>(std::move(request));
}

Result<client::SignedIdBlock> sign_requested(const IdBlockRequest& request) {
  return client::sign_id_block(request.block, request.id_key,
                               request.author_key ? &*request.author_key : nullptr);
}

std::string id_block_text(const client::SignedIdBlock& signed_block) {
  std::string out = "id-block=" + crypto::base64_encode(signed_block.id_block) + "\n";
  out += "id-auth=" + crypto::base64_encode(signed_block.id_auth) + "\n";
  out += std::string("author-key-enabled=") + (signed_block.author_key_digest ? "on" : "off") + "\n";
  out += "id-key-digest=" + hex_encode(signed_block.id_key_digest) + "\n";
  if (signed_block.author_key_digest) out += "author-key-digest=" + hex_encode(*signed_block.author_key_digest) + "\n";
  return out;
}

Json::Value id_block_json(const IdBlockRequest& request, const client::SignedIdBlock& signed_block) {
  Json::Value v(Json::objectValue);
  v["id_block"] = crypto::base64_encode(signed_block.id_block);
  v["id_auth"] = crypto::base64_encode(signed_block.id_auth);
  v["author_key_enabled"] = signed_block.author_key_digest.has_value();
  v["id_key_digest"] = hex_encode(signed_block.id_key_digest);
  v["author_key_digest"] =
      signed_block.author_key_digest ? Json::Value(hex_encode(*signed_block.author_key_digest)) : Json::Value();
  v["family_id"] = hex_encode(request.block.family_id);
  v["image_id"] = hex_encode(request.block.image_id);
  v["guest_svn"] = request.block.guest_svn;
  v["policy"] = hex_number(request.block.policy);
  return v;
}

}  // namespace attestd::cli

// attest measure --id-key: the ID block and ID authentication block for the measurement
// (docs/measurement.md, "ID block").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <json/value.h>

#include "client/lib/id_block.h"
#include "core/args.h"
#include "core/error.h"

namespace attestd::cli {

// The options measure takes for the ID block.
const std::vector<OptionSpec>& id_block_options();

// The block's fields and keys the options ask for; nullopt without --id-key. Usage when
// an ID-block option comes without --id-key or a value is malformed; the key errors
// (FileError, CryptoError) name --id-key or --author-key.
struct IdBlockRequest {
  snp::IdBlock block;  // launch_digest is filled in by the caller
  crypto::PrivateKey id_key;
  std::optional<crypto::PrivateKey> author_key;
};
Result<std::optional<IdBlockRequest>> id_block_request(const Args& args);

Result<client::SignedIdBlock> sign_requested(const IdBlockRequest& request);

// "id-block=B64", "id-auth=B64", "author-key-enabled=on|off", "id-key-digest=HEX" and,
// with an author key, "author-key-digest=HEX", one a line.
std::string id_block_text(const client::SignedIdBlock& signed_block);
// {id_block, id_auth, author_key_enabled, id_key_digest, author_key_digest (null without
// an author key), family_id, image_id, guest_svn, policy}
Json::Value id_block_json(const IdBlockRequest& request, const client::SignedIdBlock& signed_block);

}  // namespace attestd::cli

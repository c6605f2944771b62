#include "hal/derived_key.h"

#include <cstring>

#include "core/text.h"

namespace attestd::hal {

namespace {

struct FieldName {
  std::uint64_t bit;
  const char* name;
};

constexpr FieldName kFieldNames[] = {
    {guest_field::kPolicy, "policy"},         {guest_field::kImageId, "image-id"},
    {guest_field::kFamilyId, "family-id"},    {guest_field::kMeasurement, "measurement"},
    {guest_field::kGuestSvn, "svn"},          {guest_field::kTcbVersion, "tcb"},
};

Error status_error(std::uint32_t status) {
  std::string what = "MSG_KEY_RSP status " + hex_number(status);
  if (status == uapi::kStatusInvalidParam) {
    what += " (INVALID_PARAM: the firmware refused the request; a VMPL below the guest's own, a guest SVN above "
            "the launch's or a TCB above the committed one)";
  } else if (status == uapi::kStatusInvalidKey) {
    what += " (INVALID_KEY: the selected root key is not installed)";
  }
  return Error(ErrorCode::DeviceError, what);
}

}  // namespace

Result<std::uint64_t> parse_guest_fields(std::string_view list) {
  std::uint64_t fields = 0;
  if (list.empty()) return fields;
  for (bool last = false; !last;) {
    std::size_t comma = list.find(',');
    last = comma == std::string_view::npos;
    std::string_view name = list.substr(0, comma);
    list = last ? std::string_view{} : list.substr(comma + 1);
    const FieldName* found = nullptr;
    for (const FieldName& f : kFieldNames) {
      if (name == f.name) found = &f;
    }
    if (!found) {
      return Error(ErrorCode::Usage, "--fields: '" + std::string(name) +
                                         "' is not policy, image-id, family-id, measurement, svn or tcb");
    }
    if (fields & found->bit) return Error(ErrorCode::Usage, "--fields: '" + std::string(name) + "' is named twice");
    fields |= found->bit;
  }
  return fields;
}

std::string guest_fields_name(std::uint64_t fields) {
  std::string out;
  for (const FieldName& f : kFieldNames) {
    if (fields & f.bit) out += (out.empty() ? "" : ",") + std::string(f.name);
  }
  return out.empty() ? "none" : out;
}

Result<RootKey> parse_root_key(std::string_view name) {
  if (name == "vcek") return RootKey::Vcek;
  if (name == "vmrk") return RootKey::Vmrk;
  return Error(ErrorCode::Usage, "--root: '" + std::string(name) + "' is not vcek or vmrk");
}

Result<DerivedKey> get_derived_key(SevGuestDevice& device, const DerivedKeyRequest& request,
                                   const SevGuestOptions& options) {
  if (request.vmpl > 3) {
    return Error(ErrorCode::Usage, "sev-guest: VMPL " + std::to_string(request.vmpl) + " is not 0-3");
  }
  if (request.fields & ~guest_field::kAll) {
    return Error(ErrorCode::Usage, "sev-guest: guest field select " + hex_number(request.fields) +
                                       " has bits beyond policy, image-id, family-id, measurement, svn and tcb");
  }
  uapi::SnpDerivedKeyReq req;
  std::memset(&req, 0, sizeof req);
  req.root_key_select = request.root == RootKey::Vmrk ? 1 : 0;
  req.guest_field_select = request.fields;
  req.vmpl = request.vmpl;
  req.guest_svn = request.guest_svn;
  req.tcb_version = request.tcb_version;
  uapi::SnpDerivedKeyResp resp;
  std::memset(&resp, 0, sizeof resp);
  uapi::SnpGuestRequestIoctl io;
  int rc = send_guest_request(device, options, uapi::kSnpGetDerivedKey, &req, &resp, io);
  if (rc != 0) return guest_request_error(uapi::kSnpGetDerivedKey, rc, io);
  std::uint32_t status;
  std::memcpy(&status, resp.data, 4);
  if (status != 0) return status_error(status);
  DerivedKey key;
  std::memcpy(key.data(), resp.data + uapi::kKeyRspKeyOffset, key.size());
  std::memset(&resp, 0, sizeof resp);  // the key's only other copy is the caller's
  return key;
}

}  // namespace attestd::hal

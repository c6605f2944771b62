// Reports for people: every field as JSON, or as a readable table.
#pragma once

#include <string>

#include <json/value.h>

#include "hal/snp/hcl.h"
#include "hal/snp/report.h"

namespace attestd::client {

// `product` decides how TCB_VERSION values are decoded; Unknown falls back to the
// report's CPUID (v3+), else the Milan/Genoa layout, and says so.
Json::Value report_json(const snp::AttestationReport& report, snp::Product product);
std::string report_table(const snp::AttestationReport& report, snp::Product product);

Json::Value hcl_json(const snp::HclReport& hcl, snp::Product product);
std::string hcl_table(const snp::HclReport& hcl, snp::Product product);

}  // namespace attestd::client

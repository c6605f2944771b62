# The guest image, its end-to-end test (part of `make test`) and the demo (docs/image.md).
# Included by the Makefile.
#   make image   build/image/{vmlinuz, initramfs-sim.cpio.gz, initramfs-prod.cpio.gz, cmdline,
#                measurement-{prod,sim}.{hex,json}, uki-{prod,sim}.efi, disk-{prod,sim}.raw,
#                disk-prod.vhd, pcrs-{prod,sim}.json, boot-policy-{prod,sim}.json, SHA256SUMS}
#                SB_VARS=FILE: the UEFI variables the expected PCR 7 is for (default:
#                Debian's OVMF_VARS_4M.snakeoil.fd)
#                SB_KEY=KEY SB_CERT=CERT: the Secure Boot key pair that signs the UKIs (default:
#                the test keys of Debian's ovmf package, which OVMF_VARS_4M.snakeoil.fd enrols)
#                OVMF=FILE: the AmdSev OVMF the measurements are for (default: the AmdSev
#                footer fixture of the measurement vectors; see docs/image.md)
#   make e2e     image + maa-emu + QEMU (qemu/run sim) + attest connect/request from the host:
#                success (launched with an ID block, its keys pinned), IdKeyMismatch,
#                MeasurementMismatch, NonCompliantUvm, reboot, DebugMode; then
#                qemu/run azure (OVMF, Secure Boot, vTPM): success with the image's own PCRs,
#                PcrMismatch, NonceMismatch, EventLogMismatch, SecureBootDisabled
#   make demo    the same setting, narrated: attest, use the application, one refusal, then the
#                Azure-style boot and a client expecting another UKI refused
IMAGE_OUT  ?= $(BUILD)/image
IMAGE_KEYS ?= $(BUILD)/image-keys/sim
IMAGE_SEED ?= attestd-image
OVMF       ?= $(VECTORS)/measure/ovmf_AmdSev_suffix.bin
SB_KEY     ?=
SB_CERT    ?=
# SB_VARS=FILE: the UEFI variable store (PK, KEK, db, dbx) the guest boots with, for its
# expected PCR 7 (default: Debian's OVMF_VARS_4M.snakeoil.fd, which enrols the test key).
SB_VARS    ?= /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd

.PHONY: image image-deps e2e demo

image-deps $(DEPS_DIR)/image-deps.env: scripts/image-deps.sh
	bash scripts/image-deps.sh $(DEPS_DIR)

# The snp-sim identity baked into the sim variant only: deterministic from IMAGE_SEED.
$(IMAGE_KEYS)/identity.json: | $(SNPSIM)
	rm -rf $(IMAGE_KEYS) && mkdir -p $(dir $(IMAGE_KEYS))
	$(SNPSIM) keygen --out $(IMAGE_KEYS) --product Milan --seed $(IMAGE_SEED) >/dev/null

image: $(DEPS_DIR)/image-deps.env $(IMAGE_KEYS)/identity.json $(ATTEST)
	$(MAKE) static
	SB_VARS="$(SB_VARS)" bash images/build.sh --deps $(DEPS_DIR) --attestd build/static/attestd --snp-sim build/static/snp-sim \
	  --sim-keys $(IMAGE_KEYS) --attest $(ATTEST) --ovmf $(OVMF) --out $(IMAGE_OUT) \
	  --sb-key "$(SB_KEY)" --sb-cert "$(SB_CERT)"

e2e: image $(ATTEST) $(MAAEMU) $(TESTS) python
	ATTESTD_TESTS=$(abspath $(TESTS)) IMAGE_OUT=$(abspath $(IMAGE_OUT)) IMAGE_KEYS=$(abspath $(IMAGE_KEYS)) ATTESTD_BIN=$(abspath $(BUILD)/bin) \
	  DEPS_DIR=$(DEPS_DIR) OVMF=$(abspath $(OVMF)) bash images/e2e.sh

demo: image $(ATTEST) $(MAAEMU) python
	IMAGE_OUT=$(abspath $(IMAGE_OUT)) IMAGE_KEYS=$(abspath $(IMAGE_KEYS)) ATTESTD_BIN=$(abspath $(BUILD)/bin) \
	  bash images/demo.sh

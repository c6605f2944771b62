# attestd — `make` builds everything into build/, `make test` runs the whole suite.
# The first run installs what is missing (scripts/deps.sh): Debian packages, and
# static mbedTLS / libcurl / JsonCpp built from pinned Debian source packages.

BUILD    ?= build
DEPS_DIR ?= $(CURDIR)/.deps
VECTORS  ?= $(abspath $(CURDIR)/tests/vectors)
CXX      ?= g++
SANITIZE ?=
STATIC   ?=

SHELL := /bin/bash
.DEFAULT_GOAL := all
# Build on every core unless the caller chose (-j N); sub-makes share the jobserver.
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j% --jobs%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif
endif

# deps.mk says where the pinned libraries live; make (re)builds it, then restarts.
include $(DEPS_DIR)/deps.mk
$(DEPS_DIR)/deps.mk: scripts/deps.sh scripts/mbedtls-config.h
	bash scripts/deps.sh $(DEPS_DIR)

DEP_INCLUDES := -isystem $(MBEDTLS_PREFIX)/include -isystem $(JSONCPP_PREFIX)/include \
                -isystem $(CURL_PREFIX)/include
DEP_LIBS     := $(CURL_PREFIX)/lib/libcurl.a $(JSONCPP_PREFIX)/lib/libjsoncpp.a \
                $(MBEDTLS_PREFIX)/lib/libmbedtls.a $(MBEDTLS_PREFIX)/lib/libmbedx509.a \
                $(MBEDTLS_PREFIX)/lib/libmbedcrypto.a -lpthread

OPT      ?= -O2
CPPFLAGS += -I. -I$(BUILD)/gen $(DEP_INCLUDES) -DCURL_STATICLIB
CXXFLAGS += -std=c++20 $(OPT) -g $(EXTRA_CXXFLAGS) -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
            -Werror=return-type -MMD -MP
LDFLAGS  +=
ifneq ($(SANITIZE),)
CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif
# Static executables are built for size (docs/building.md, "Size of the static programs"):
# -Os, link-time optimisation, a section per function and object so that --gc-sections
# drops what nothing reaches, no debug information (they are stripped). The dynamic build
# stays -O2 -g. Each link writes its map beside the program (scripts/size_report.py).
ifneq ($(STATIC),)
OPT      := -Os
CXXFLAGS += -g0 -flto=auto -ffunction-sections -fdata-sections
LDFLAGS  += -static -s $(OPT) -flto=auto -Wl,--gc-sections -Wl,-Map=$@.map
endif
# Position-independent, so that the Python extension (python/, a shared object) links the
# same library; without interposition the code is the same as the default PIE's. Static
# executables are not position-independent.
ifeq ($(STATIC),)
CXXFLAGS += -fPIC -fno-semantic-interposition
endif

# Objects are rebuilt when the compiler or its flags change (not only their sources), or
# when the pinned libraries are rebuilt (DEPS_BUILD_ID, from deps.mk: -MMD does not see
# their headers, which are -isystem).
FLAGS_STAMP := $(BUILD)/obj/.flags
COMPILE_LINE := $(CXX) $(CPPFLAGS) $(CXXFLAGS) deps=$(DEPS_BUILD_ID)
ifneq ($(file < $(FLAGS_STAMP)),$(COMPILE_LINE))
$(shell mkdir -p $(BUILD)/obj)
$(file > $(FLAGS_STAMP),$(COMPILE_LINE))
endif

# The library: every .cpp of these folders.
LIB_DIRS  := core crypto hal/snp hal hal/tpm boot verify net client/lib
LIB_SRCS  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.cpp)))
GEN_SRCS  := $(BUILD)/gen/verify/amd_roots_data.cpp
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o) $(GEN_SRCS:$(BUILD)/gen/%.cpp=$(BUILD)/obj/gen/%.o)
LIB       := $(BUILD)/lib/libattestd.a

# The agent's library (everything but its main) and the test doubles of hardware and cloud.
AGENT_SRCS := $(sort $(filter-out agent/main.cpp,$(wildcard agent/*.cpp)))
AGENT_OBJS := $(AGENT_SRCS:%.cpp=$(BUILD)/obj/%.o)
AGENT_LIB  := $(BUILD)/lib/libagent.a

SIM_SRCS  := $(sort $(wildcard tests/mocks/snp/*.cpp tests/mocks/azure/*.cpp))
SIM_OBJS  := $(SIM_SRCS:%.cpp=$(BUILD)/obj/%.o)
SIM_LIB   := $(BUILD)/lib/libsnpsim.a

MAA_SRCS  := $(sort $(wildcard tests/mocks/maa/*.cpp))
MAA_OBJS  := $(MAA_SRCS:%.cpp=$(BUILD)/obj/%.o)
MAA_LIB   := $(BUILD)/lib/libmaaemu.a

ATTEST_SRCS := $(sort $(wildcard client/cli/*.cpp))
MAAEMU_SRCS := $(sort $(wildcard tests/mocks/maa/cli/*.cpp))
SNPSIM_SRCS := $(sort $(wildcard tests/mocks/snp/cli/*.cpp))
TEST_SRCS   := $(sort $(wildcard tests/unit/*.cpp tests/conformance/*.cpp tests/tamper/*.cpp tests/cli/*.cpp \
                 tests/integration/*.cpp)) tests/main.cpp
BENCH_SRCS  := $(sort $(wildcard tests/bench/*.cpp))

# The Python package (python/, docs/python.md): the C++ client library as the extension
# attestd._native, beside the package's own files in $(BUILD)/python.
PYTHON      ?= /usr/bin/python3
PY_EXT      := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
PY_INCLUDE  := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)
PY_PKG      := $(BUILD)/python/attestd
PY_NATIVE   := $(PY_PKG)/_native$(PY_EXT)
PY_SOURCES  := $(sort $(wildcard python/attestd/*.py python/attestd/*.pyi python/attestd/py.typed))
PY_FILES    := $(PY_SOURCES:python/attestd/%=$(PY_PKG)/%)

ATTEST := $(BUILD)/bin/attest
SNPSIM := $(BUILD)/bin/snp-sim
ATTESTD := $(BUILD)/bin/attestd
MAAEMU := $(BUILD)/bin/maa-emu
TESTS  := $(BUILD)/tests/attestd-tests
BENCH  := $(BUILD)/bench/attestd-bench

ALL_OBJS := $(LIB_OBJS) $(SIM_OBJS) $(MAA_OBJS) $(AGENT_OBJS) $(BUILD)/obj/agent/main.o $(ATTEST_SRCS:%.cpp=$(BUILD)/obj/%.o) \
            $(MAAEMU_SRCS:%.cpp=$(BUILD)/obj/%.o) \
            $(SNPSIM_SRCS:%.cpp=$(BUILD)/obj/%.o) $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o) \
            $(BENCH_SRCS:%.cpp=$(BUILD)/obj/%.o) $(BUILD)/obj/python/src/native.o

.PHONY: all deps test test-asan test-python python print-python-native fuzz bench static clean distclean
all: $(ATTEST) $(SNPSIM) $(MAAEMU) $(TESTS) $(if $(wildcard agent/main.cpp),$(ATTESTD)) python

deps:
	bash scripts/deps.sh $(DEPS_DIR)

$(BUILD)/obj/%.o: %.cpp $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.cpp $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

# AMD's root certificates, embedded: the verifier pins them.
$(BUILD)/gen/verify/amd_roots_data.cpp: scripts/embed_roots.sh $(wildcard verify/roots/*.pem)
	@mkdir -p $(@D)
	bash scripts/embed_roots.sh verify/roots > $@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(SIM_LIB): $(SIM_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(AGENT_LIB): $(AGENT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(ATTESTD): $(BUILD)/obj/agent/main.o $(AGENT_LIB) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(MAA_LIB): $(MAA_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(MAAEMU): $(MAAEMU_SRCS:%.cpp=$(BUILD)/obj/%.o) $(MAA_LIB) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# attest report and derive-key open evidence sources as the agent does (agent/evidence_source.h).
$(ATTEST): $(ATTEST_SRCS:%.cpp=$(BUILD)/obj/%.o) $(AGENT_LIB) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# The extension links the library, its static dependencies and the C++ runtime, and
# exports only its module init (python/src/native.map): at run time it needs the C library
# alone.
python: $(PY_NATIVE) $(PY_FILES)

$(BUILD)/obj/python/src/native.o: CPPFLAGS += -isystem $(PY_INCLUDE)
$(BUILD)/obj/python/src/native.o: CXXFLAGS += -fvisibility=hidden

$(PY_NATIVE): $(BUILD)/obj/python/src/native.o $(LIB) python/src/native.map
	@test -n "$(PY_EXT)" || { echo "error: $(PYTHON) cannot say its extension suffix"; exit 1; }
	@mkdir -p $(@D)
	$(CXX) -shared $(LDFLAGS) -static-libstdc++ -static-libgcc -Wl,--version-script=python/src/native.map \
	  -o $@ $< $(LIB) $(DEP_LIBS)

$(PY_PKG)/%: python/attestd/%
	@mkdir -p $(@D)
	cp $< $@

# snp-sim's guest front-ends (CUSE /dev/sev-guest, FUSE configfs-tsm) use libfuse3.
$(SNPSIM): $(SNPSIM_SRCS:%.cpp=$(BUILD)/obj/%.o) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lfuse3

$(TESTS): $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o) $(AGENT_LIB) $(MAA_LIB) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lboost_unit_test_framework

$(BENCH): $(BENCH_SRCS:%.cpp=$(BUILD)/obj/%.o) $(SIM_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# Tests find the shared vectors, the programs and a scratch folder through the environment.
TEST_ENV := ATTESTD_VECTORS=$(VECTORS) ATTESTD_BIN=$(abspath $(BUILD)/bin) \
            ATTESTD_TMP=$(abspath $(BUILD)/tmp) ATTESTD_SRC=$(CURDIR)

# make test: the whole suite, then the end-to-end run on the guest image (images/e2e.sh).
# TEST_ARGS narrows the suite to some tests and skips the end-to-end run.
.PHONY: test-unit
test: test-unit
ifeq ($(strip $(TEST_ARGS)),)
	$(MAKE) test-python
	$(MAKE) e2e
else
	@echo "python, e2e: skipped (TEST_ARGS runs part of the suite)"
endif

test-unit: all
	@test -d $(VECTORS) || { echo "error: conformance vectors not found at $(VECTORS)"; exit 1; }
	@rm -rf $(BUILD)/tmp && mkdir -p $(BUILD)/tmp
	$(TEST_ENV) $(TESTS) --log_level=error --report_level=no --color_output=no $(TEST_ARGS)

test-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 OPT=-O1 test-unit

# The Python package's tests (pytest), on the package installed as the README says: into a
# virtual environment that sees Debian's python3-requests, by pip from ./python, offline.
# PYTEST_ARGS narrows them (e.g. -k debug).
PY_VENV := $(BUILD)/venv
test-python: all
	@rm -rf $(BUILD)/tmp/python && mkdir -p $(BUILD)/tmp/python
	@test -x $(PY_VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --no-build-isolation --no-index --force-reinstall --no-deps ./python
	$(TEST_ENV) ATTESTD_TMP=$(abspath $(BUILD)/tmp/python) \
	  $(PY_VENV)/bin/python -m pytest -q -p no:cacheprovider python/tests $(PYTEST_ARGS)

# Where the extension is, for python/setup.py (which runs `make python` first).
print-python-native:
	@echo $(abspath $(PY_NATIVE))
bench: $(BENCH) $(ATTESTD) $(MAAEMU) $(SNPSIM)
	@mkdir -p $(BUILD)/tmp
	$(TEST_ENV) $(PYTHON) tests/bench/bench.py $(BENCH)
	$(PYTHON) tests/bench/connection_cost.py $(BUILD)/bin $(BUILD)/tmp/connection-cost 1000

# libFuzzer targets (clang), each run for FUZZ_SECONDS from a seed corpus of genuine vectors.
# Every target links the clang-built libraries: the agent's (for the proxy), the test
# doubles' and the core library; ATTESTD_VECTORS tells targets that read vectors where.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp)))
FUZZ_LIBS    := build/fuzz/lib/libagent.a build/fuzz/lib/libsnpsim.a build/fuzz/lib/libattestd.a
fuzz:
	$(MAKE) BUILD=build/fuzz CXX=clang++ OPT=-O1 \
	  EXTRA_CXXFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' $(FUZZ_LIBS)
	@set -o pipefail; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/bin build/fuzz/corpus/$$t && \
	  clang++ -std=c++20 -O1 -g -I. $(DEP_INCLUDES) -fsanitize=fuzzer,address,undefined \
	    tests/fuzz/$$t.cpp $(FUZZ_LIBS) $(DEP_LIBS) -o build/fuzz/bin/$$t || exit 1; \
	  bash tests/fuzz/seed.sh $$t $(VECTORS) build/fuzz/corpus/$$t || exit 1; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  ATTESTD_VECTORS=$(VECTORS) build/fuzz/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
	    build/fuzz/corpus/$$t > build/fuzz/$$t.log 2>&1 || { tail -40 build/fuzz/$$t.log; exit 1; }; \
	  tail -4 build/fuzz/$$t.log; \
	done

# Fully static (glibc too), stripped: the agent for the VM image, the client, and snp-sim
# (the sim image's firmware front-ends).
STATIC_BINS := attest attestd snp-sim
static:
	$(MAKE) BUILD=build/static-obj STATIC=1 $(STATIC_BINS:%=build/static-obj/bin/%)
	@mkdir -p build/static && cp $(STATIC_BINS:%=build/static-obj/bin/%) build/static/
	@for f in $(STATIC_BINS:%=build/static/%); do \
	  if ldd $$f >/dev/null 2>&1; then echo "error: $$f is not static"; exit 1; fi; \
	  printf '%-24s %8d KiB  static, stripped\n' $$f $$(( $$(stat -c %s $$f) / 1024 )); \
	done

clean:
	rm -rf build

distclean: clean
	rm -rf $(DEPS_DIR)

-include $(ALL_OBJS:.o=.d)

# The guest image, its end-to-end run (part of `make test`) and `make demo` (docs/image.md).
include images/image.mk

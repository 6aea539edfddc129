# Build, test, demo and install of aisexec.  See README.md.
PYTHON ?= python3
PY := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
MESON := $(PY) -m mesonbuild.mesonmain
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local

.PHONY: all build asan deps test demo install lint clean

all: build

deps:
	PYTHON=$(PY) sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

build: $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

asan: $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)

lint:
	$(PY) -m ruff check $(wildcard executive tests abi_tests bench) scripts/ns-cluster

test: deps
	$(MAKE) build asan
	$(MAKE) lint
	$(PY) -m pytest -q -ra tests

demo: deps
	$(MAKE) build
	PYTHON=$(PY) BUILD=$(BUILD) sh scripts/demo.sh

install: build
	$(MESON) configure $(BUILD) -Dprefix=$(abspath $(PREFIX))
	$(MESON) install -C $(BUILD) --quiet
	PYTHON=$(PY) sh scripts/install-python.sh $(abspath $(PREFIX))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

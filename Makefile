# Thin wrapper around CMake/ctest. `make run` and `make test` set up
# everything they need (Debian packages via scripts/setup.sh).
BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
CTEST_J  ?= 2

.PHONY: all setup build samples run test asan tsan bench corpus clean lexicon install deb image

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

samples: build
	@bash scripts/make-samples.sh $(BUILD)/medstream-mkpdf examples

run: samples
	./$(BUILD)/medstream demo

# Regenerate src/nlp/lexicon/*.gen.tsv from ../shared/terminology (not part
# of the normal build; the generated files are committed).
TERMINOLOGY ?= ../shared/terminology
lexicon:
	/usr/bin/python3 scripts/lexicon-import.py $(TERMINOLOGY) src/nlp/lexicon

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(CTEST_J)

# The same suite under sanitizers (Debug builds in their own directories;
# sanitizer options are set per test in tests/CMakeLists.txt).
asan: setup
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMS_SANITIZE=address >/dev/null
	@$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(CTEST_J)

tsan: setup
	@$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DMS_SANITIZE=thread >/dev/null
	@$(CMAKE) --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(CTEST_J)

# `make install [DESTDIR=/tmp/stage] [PREFIX=/usr]` (profiles go to
# /etc/medstream); `make deb` builds $(BUILD)/medstream_VERSION_ARCH.deb;
# `make image` builds the container image with buildah (docs/deploy.md).
PREFIX ?= /usr/local
install: build
	$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

deb: build
	cd $(BUILD) && cpack -G DEB

image:
	bash deploy/container/build.sh

corpus: build
	MKPDF=$(BUILD)/medstream-mkpdf bash bench/make-corpus.sh bench/corpus

bench: corpus
	BUILD=$(BUILD) bash bench/run-local.sh bench/corpus

clean:
	rm -rf $(BUILD) build-asan build-tsan out

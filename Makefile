# Thin wrapper around CMake/ctest. `make run` and `make test` set up
# everything they need (Debian packages via scripts/setup.sh).
BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
CTEST_J  ?= 2

.PHONY: all setup build samples run test asan tsan bench corpus clean lexicon install deb image soak bench-resources \
        fuzz-build fuzz fuzz-ci

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

# libFuzzer targets (fuzz/, docs/reliability.md "Hostile input"): a clang
# build with coverage, ASan and UBSan in build-fuzz/ (clang warnings are not
# errors there: gcc's -Werror in the other builds is the gate).
# `make fuzz` runs every target FUZZ_TIME seconds, then the long PDF mutation
# campaign (MUTANTS mutants); `make fuzz-ci` is what CI runs: 15 s a target (with the
# clang build, under 5 minutes on 2 cores).
FUZZ_TIME ?= 60
MUTANTS   ?= 20000
# -O1: libFuzzer's usual level, a shorter build than -O2 for CI.
fuzz-build: setup
	@$(CMAKE) -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DMS_FUZZ=ON -DMS_TESTS=OFF -DMS_WERROR=OFF >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS) --target fuzz_all

# Seed PDFs come from the Release build's medstream-mkpdf.
fuzz: fuzz-build build
	MKPDF=$(BUILD)/medstream-mkpdf FUZZ_TIME=$(FUZZ_TIME) bash scripts/fuzz.sh
	MS_BIN=$(BUILD)/medstream MS_MKPDF=$(BUILD)/medstream-mkpdf MS_SRC=. MS_SHARED=../shared \
	  MUTANTS=$(MUTANTS) MUTANT_SHARED=1000 MUTANT_SHARED_KB=1024 MUTANT_SEED=$${MUTANT_SEED:-$$(date +%s)} bash tests/integration/test_pdf_mutants.sh

fuzz-ci: fuzz-build build
	MKPDF=$(BUILD)/medstream-mkpdf FUZZ_TIME=15 bash scripts/fuzz.sh

corpus: build
	MKPDF=$(BUILD)/medstream-mkpdf bash bench/make-corpus.sh bench/corpus

bench: corpus
	BUILD=$(BUILD) bash bench/run-local.sh bench/corpus

# The Kafka crash campaign of `make test`, longer (bench/soak.sh; sizes:
# SOAK_REPORTS, SOAK_KILLS, SOAK_PAIR_REPORTS); prints the figures.
# SOAK_MINUTES=N: the duration soak instead (RSS, fds, threads at start/end).
soak: build
	BUILD=$(BUILD) bash bench/soak.sh

# Peak RSS / fds / threads while draining a 100,000-report Kafka backlog,
# defaults and the low-memory setting (bench/resources.sh; minutes).
bench-resources: build
	BUILD=$(BUILD) bash bench/resources.sh

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz out

# mldrill: two commands set up a fresh machine.
#   make demo   builds mldrill and shows the main job on the built-in exercises
#   make test   runs the whole test suite
# Both run `make setup` first, which installs libtorch once per machine (idempotent).

CARGO ?= cargo
MLDRILL := target/release/mldrill

.PHONY: setup setup-browser build demo test lint bench clean-libtorch

setup:
	@bash scripts/setup.sh

# Headless Chromium for the HTML report's browser test (Debian's chromium package, once
# per machine). Where it cannot be installed (exit 3) the test says it skipped; any other
# failure stops here.
setup-browser:
	@bash scripts/setup-browser.sh >/dev/null || [ $$? -eq 3 ]

build: setup
	$(CARGO) build --release --package mldrill --package mldrill-runner

demo: build
	@bash scripts/demo.sh $(MLDRILL)

# The release build comes first: the grading tests' workspaces start from its compiled
# dependencies instead of building libtorch's bindings again (src/warm_start.rs).
test: build setup-browser
	$(CARGO) test --workspace

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: setup
	$(CARGO) bench --bench dataloader

# The n-gram bench, then scikit-learn's CountVectorizer on the same corpus (installed into
# the mldrill venv once). MLDRILL_NGRAM_MB=100 make bench-ngram for a 100 MB corpus.
MLDRILL_PYTHON := $${XDG_CACHE_HOME:-$$HOME/.cache}/mldrill/torch-2.13.0/bin/python
# The poison bench, then NumPy implementations of the same detector on the same matrix.
.PHONY: bench-poison
bench-poison: setup
	$(MLDRILL_PYTHON) -c "import numpy" 2>/dev/null || $(MLDRILL_PYTHON) -m pip install numpy
	$(CARGO) bench --bench poison
	$(MLDRILL_PYTHON) scripts/bench_poison_peers.py

.PHONY: bench-ngram
bench-ngram: setup
	$(MLDRILL_PYTHON) -c "import sklearn" 2>/dev/null || $(MLDRILL_PYTHON) -m pip install scikit-learn
	$(CARGO) bench --bench ngram
	$(MLDRILL_PYTHON) scripts/bench_ngram_peers.py

# mldrill: two commands set up a fresh machine.
#   make demo      builds mldrill and shows the main job on the built-in exercises
#   make install   puts `mldrill` on your PATH (cargo's bin folder), so every hint works as printed
#   make test      runs the whole test suite
# They run `make setup` first, which installs libtorch for the CPU once per machine
# (idempotent); `make setup-gpu` installs torch with every CUDA library instead.

CARGO ?= cargo
MLDRILL := $${CARGO_TARGET_DIR:-target}/release/mldrill

.PHONY: setup setup-gpu build demo install test lint bench clean-libtorch

setup:
	@bash scripts/setup.sh

setup-gpu:
	@bash scripts/setup.sh --gpu

build: setup
	$(CARGO) build --release --package mldrill --package mldrill-runner --package mldrill-supervisor

demo: build
	@bash scripts/demo.sh $(MLDRILL)

# cargo install from the release build `make build` left (nothing is compiled twice): the
# binary keeps its rpath to libtorch, and finds this checkout from any folder in it, or
# from anywhere (it remembers where it was built). `cargo uninstall mldrill` removes it.
install: build
	$(CARGO) install --locked --offline --path . --bin mldrill --target-dir "$${CARGO_TARGET_DIR:-target}"
	@bin="$${CARGO_INSTALL_ROOT:-$${CARGO_HOME:-$$HOME/.cargo}}/bin"; \
	  [ "$$(command -v mldrill)" = "$$bin/mldrill" ] || echo "install: put $$bin first on your PATH: export PATH=\"$$bin:\$$PATH\""

# The release build comes first: the grading tests' workspaces start from its compiled
# dependencies instead of building libtorch's bindings again (src/warm_start.rs).
test: build
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

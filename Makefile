# mldrill: two commands set up a fresh machine.
#   make demo      builds mldrill and shows the main job on the built-in exercises
#   make install   puts `mldrill` on your PATH (cargo's bin folder), so every hint works as printed
#   make test      runs the whole test suite
# They run `make setup` first, which installs libtorch for the CPU once per machine
# (idempotent); `make setup-gpu` installs torch with every CUDA library instead.

CARGO ?= cargo
MLDRILL := $${CARGO_TARGET_DIR:-target}/release/mldrill

.PHONY: setup setup-gpu setup-browser build demo install test lint bench clean-libtorch

setup:
	@bash scripts/setup.sh

setup-gpu:
	@bash scripts/setup.sh --gpu

# Headless Chromium for the HTML report's browser test (Debian's chromium package, once
# per machine). Where it cannot be installed (exit 3) the test says it skipped; any other
# failure stops here.
setup-browser:
	@bash scripts/setup-browser.sh >/dev/null || [ $$? -eq 3 ]

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
test: build setup-browser
	$(CARGO) test --workspace --no-fail-fast

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: setup
	$(CARGO) bench -p dataloader-trusted --bench dataloader

# The peer benchmarks: each script starts its pack's Rust worker (`cargo bench -p
# <id>-trusted --bench peers`) and
# times the reference and its Python peers in alternating rounds, at equal thread counts.
# NumPy, scikit-learn and threadpoolctl go into the mldrill venv once. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are unset for these commands alone: a wrong value slows NumPy's BLAS, and
# the scripts report the kernel that ran. Extra script options: make bench-poison
# BENCH_ARGS="--rounds 7"; MLDRILL_NGRAM_MB=100 make bench-ngram for a 100 MB corpus.
MLDRILL_PYTHON := $${XDG_CACHE_HOME:-$$HOME/.cache}/mldrill/torch-2.13.0/bin/python
PEERS_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
BENCH_ARGS ?=

.PHONY: bench-python bench-poison bench-ngram bench-dataloader-peers
bench-python: setup
	@$(MLDRILL_PYTHON) -c "import numpy, sklearn, threadpoolctl" 2>/dev/null \
	  || $(MLDRILL_PYTHON) -m pip install --quiet --disable-pip-version-check numpy scikit-learn threadpoolctl

bench-poison: bench-python
	$(PEERS_ENV) $(MLDRILL_PYTHON) scripts/bench_poison_peers.py $(BENCH_ARGS)

bench-ngram: bench-python
	$(PEERS_ENV) $(MLDRILL_PYTHON) scripts/bench_ngram_peers.py $(BENCH_ARGS)

bench-dataloader-peers: bench-python
	$(PEERS_ENV) $(MLDRILL_PYTHON) scripts/bench_dataloader_peers.py $(BENCH_ARGS)

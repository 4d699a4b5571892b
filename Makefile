# mldrill: two commands set up a fresh machine.
#   make demo   builds mldrill and shows the main job on the built-in exercises
#   make test   runs the whole test suite
# Both run `make setup` first, which installs libtorch once per machine (idempotent).

CARGO ?= cargo
MLDRILL := target/release/mldrill

.PHONY: setup build demo test lint bench clean-libtorch

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --package mldrill --package mldrill-runner

demo: build
	@bash scripts/demo.sh $(MLDRILL)

test: setup
	$(CARGO) test --workspace

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: setup
	$(CARGO) bench --bench dataloader

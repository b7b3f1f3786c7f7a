# Makefile: the two entry points (make demo, make test) plus install and regenerating committed files.
.PHONY: demo test bootstrap build release install generated fuzz-check bench lint

CARGO ?= cargo
DEMO_INPUT ?= testdata/av.mp4
DEMO_OUT ?= target/demo
DEMO_PORT ?= 8080

bootstrap:
	@scripts/bootstrap.sh

release: bootstrap
	. scripts/env.sh && $(CARGO) build --release --locked

# The main jobs on a bundled clip: probe it (summary and ffprobe-compatible JSON), package it as HLS + DASH, and
# serve the package with the built-in player page (runs until Ctrl-C).
demo: release
	@mkdir -p $(DEMO_OUT)
	target/release/reel probe $(DEMO_INPUT) testdata/rotated.mp4 | tee $(DEMO_OUT)/probe.txt
	target/release/reel --json probe $(DEMO_INPUT) > $(DEMO_OUT)/probe.json
	rm -rf $(DEMO_OUT)/package
	target/release/reel package $(DEMO_INPUT) -o $(DEMO_OUT)/package
	@echo
	@echo "demo results: $(DEMO_OUT)/probe.txt (summary), $(DEMO_OUT)/probe.json (ffprobe-compatible JSON),"
	@echo "$(DEMO_OUT)/package (HLS + DASH). Serving it now: open the URL below and pick a stream (Ctrl-C stops)."
	target/release/reel serve $(DEMO_OUT) --listen 127.0.0.1:$(DEMO_PORT)

test: bootstrap
	. scripts/env.sh && $(CARGO) test --locked
	. scripts/env.sh && $(CARGO) fmt --check
	. scripts/env.sh && $(CARGO) clippy --locked --all-targets -- -D warnings
	$(MAKE) fuzz-check

# The fuzz crate is not in the main build: check that it still compiles (cheap; no nightly needed).
fuzz-check:
	. scripts/env.sh && cd fuzz && CARGO_TARGET_DIR=../target $(CARGO) check --locked

install: bootstrap
	. scripts/env.sh && $(CARGO) install --locked --path .

# Regenerates the committed shell completions and man page from the current binary.
generated:
	$(CARGO) build --locked
	mkdir -p completions man
	target/debug/reel completions bash > completions/reel.bash
	target/debug/reel completions zsh > completions/_reel
	target/debug/reel completions fish > completions/reel.fish
	target/debug/reel completions powershell > completions/_reel.ps1
	target/debug/reel completions elvish > completions/reel.elv
	target/debug/reel man > man/reel.1

bench: release
	bench/probe.sh

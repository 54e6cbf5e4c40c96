# Prudentia — the two commands a newcomer needs:
#   make run    install what is missing, build, serve on http://127.0.0.1:3000
#   make test   install what is missing, run every test (unit, integration, browser)
#
# Everything below installs idempotently: a tool already at the pinned version
# is left alone, so a warm machine goes straight to the build.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

CARGO_LEPTOS_VERSION := 0.3.11
WASM_BINDGEN_VERSION := 0.2.130
# One target directory outside the clone, so fresh clones on this machine
# (CI) reuse compiled dependencies.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/prudentia-target
# Incremental caches are per clone path: with one shared target directory and
# a fresh clone per CI run they only pile up (tens of GB). `cargo leptos
# watch` run by hand keeps them.
export CARGO_INCREMENTAL ?= 0
CARGO_HOME ?= $(HOME)/.cargo
BINARYEN_VERSION := 132
TOOLS_DIR := $(HOME)/.cache/prudentia-tools
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(CARGO_HOME)/bin:$(PATH)

SITE_ROOT := $(CARGO_TARGET_DIR)/site
BIN := $(CARGO_TARGET_DIR)/debug/prudentia
APT_UPDATED := /tmp/.prudentia-apt-updated

# cargo-leptos reads these at build time; the server reads them at run time.
export LEPTOS_SITE_ROOT := $(SITE_ROOT)
export LEPTOS_SITE_PKG_DIR := pkg
export LEPTOS_OUTPUT_NAME := prudentia

.PHONY: run test build tools tools-build tools-test wasm-target cargo-leptos wasm-bindgen \
        postgres-binaries wasm-opt chromium end2end-deps pdftotext sshd nginx python-tools test-rust test-e2e release bench bench-paths bench-peer eval load chaos drill fuzz fmt lint clean-data \
        prune-target

# Links in mail and pages come from the public address only: set
# PRUDENTIA_PUBLIC_URL to where users reach the server (behind a TLS
# proxy: https://…); other Host headers are answered 421.
run: prune-target tools-build build
	@echo "Starting Prudentia on $${PRUDENTIA_PUBLIC_URL:-http://127.0.0.1:3000} (Ctrl-C to stop)"
	PRUDENTIA_PUBLIC_URL="$${PRUDENTIA_PUBLIC_URL:-http://127.0.0.1:3000}" exec "$(BIN)" serve --demo

test: prune-target tools-build tools-test lint test-rust build test-e2e

# Every clone path builds its own copy of this crate into the shared target
# directory, and an interrupted link leaves its codegen units behind: tens
# of GB within days, until a link fails with a bus error on a full disk.
# Our own artifacts untouched for three hours go (a clone still using them
# rebuilds the crate, not its dependencies), and stray codegen units older
# than an hour.
prune-target:
	@for dir in "$(CARGO_TARGET_DIR)"/debug "$(CARGO_TARGET_DIR)"/front/wasm32-unknown-unknown/debug; do \
	  [ -d "$$dir/deps" ] || continue; \
	  find "$$dir/deps" -maxdepth 1 \( -name 'prudentia-*' -o -name 'libprudentia-*' \
	    -o -name 'integration-*' \) -mmin +180 -delete; \
	  find "$$dir/deps" -maxdepth 1 -name '*.rcgu.o' -mmin +60 -delete; \
	  find "$$dir/incremental" -mindepth 1 -maxdepth 1 -mtime +0 -exec rm -rf {} + 2>/dev/null || true; \
	done

# --split: every page is a lazily loaded part of the client (src/app/mod.rs),
# so the browser tests run the same split client as a release.
build:
	cargo leptos build --split

# --precompress: the client's files are also written gzip- and brotli-
# compressed, served as they are (the dashboard's first part: 0.66 MB in
# brotli) instead of compressed again on every request.
release: tools-build wasm-opt
	cargo leptos build --release --split --precompress

# The OpenTelemetry export is a feature of its own: its test builds the
# library once more with it (a span sent to a collector on loopback).
test-rust:
	cargo test --features ssr
	cargo test --features otel --lib otel::

test-e2e: end2end-deps
	cd end2end && PRUDENTIA_BIN="$(BIN)" npx playwright test

# Benchmarks, reported not asserted: the engine natively (criterion) and the
# same computation compiled to WASM and timed in headless Chromium.
WASM_BENCH_DIR := $(CARGO_TARGET_DIR)/wasm-bench
bench: tools-build tools-test wasm-opt
	cargo bench --features ssr --bench engine
	cargo bench --features ssr --bench import
	cargo bench --features ssr --bench suggest
	cargo build --lib --target wasm32-unknown-unknown --profile wasm-release \
	  --no-default-features --features wasm-bench
	wasm-bindgen --target web --no-typescript --out-dir "$(WASM_BENCH_DIR)" \
	  "$(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/prudentia.wasm"
	cd end2end && node bench/engine-wasm.mjs "$(WASM_BENCH_DIR)" 100000 30
	cargo leptos build --release --split --precompress
	cd end2end && node bench/dashboard.mjs "$(CARGO_TARGET_DIR)/release/prudentia" 100000

# Load, reported not asserted: an anonymous log-in flood and concurrent
# 100k-line scenario saves against a release build, on loopback only.
load: release
	python3 benches/load.py "$(CARGO_TARGET_DIR)/release/prudentia"

# The whole paths around the engine, reported not asserted: compute as a
# process (100k, 1M lines), API compute, simulation creation and a 100k-row
# import, against a release build on loopback.
bench-paths: release
	python3 benches/paths.py "$(CARGO_TARGET_DIR)/release/prudentia"

# Side by side with the Python peer rwa-calc 0.3.34 (installed from PyPI in
# a venv of its own) on the same generated books, reported not asserted.
# Quality, reported not asserted: recall of planted anomalies per kind and
# the share of clean lines flagged, on synthetic books.
eval:
	cargo bench --features ssr --bench eval
	cargo bench --features ssr --bench classify

bench-peer: release
	python3 benches/peer.py --bin "$(CARGO_TARGET_DIR)/release/prudentia" --repeat 3

# Durability, reported not asserted: concurrent writes while the server and
# its PostgreSQL are killed with SIGKILL, then every acknowledged write is
# looked for and the audit chains verified.
chaos: release
	python3 benches/chaos.py "$(CARGO_TARGET_DIR)/release/prudentia"

# Failover, reported not asserted: two servers behind nginx and a primary
# with a synchronous standby, on loopback; under a write load one server is
# killed, then the primary, and scripts/pg-failover promotes the standby.
drill: release nginx
	python3 benches/drill.py "$(CARGO_TARGET_DIR)/release/prudentia"

# Fuzzing, reported not asserted: the import readers on mutated files for
# FUZZ_SECONDS (10 minutes by default); a panic fails and saves its input.
FUZZ_SECONDS ?= 600
fuzz: tools-build
	cargo bench --profile dev --features ssr --bench fuzz_import -- $(FUZZ_SECONDS)

fmt:
	cargo fmt --all

# Part of make test: the tree stays formatted and clippy-clean, server and
# WASM builds.
lint: wasm-target
	cargo fmt --all -- --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features otel --lib -- -D warnings
	cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

clean-data:
	rm -rf .data

# ---- tools ---------------------------------------------------------------

tools-build: wasm-target cargo-leptos wasm-bindgen postgres-binaries
tools-test: chromium end2end-deps pdftotext python-tools sshd nginx

# nginx in front of `prudentia serve`: the deployment guide's reverse-proxy
# configuration is tested as written.
nginx:
	@if [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	$(MAKE) --no-print-directory apt-update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx

# OpenSSH's server: the scheduled-import tests start one on loopback, as
# the SFTP server a bank's data warehouse drops its files on.
sshd:
	@if [ -x /usr/sbin/sshd ]; then exit 0; fi; \
	$(MAKE) --no-print-directory apt-update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server

# pdftotext reads the PDF reports back in the integration tests.
pdftotext:
	@if command -v pdftotext >/dev/null; then exit 0; fi; \
	$(MAKE) --no-print-directory apt-update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils

# Python tools from PyPI, in a venv: a real SMTP server for the mail tests
# (aiosmtpd) and the external client that fuzzes the REST API from its
# OpenAPI document (schemathesis).
PY_VENV := $(TOOLS_DIR)/venv
AIOSMTPD_VERSION := 1.4.6
SCHEMATHESIS_VERSION := 4.32.5
export PRUDENTIA_TEST_PYTHON := $(PY_VENV)/bin/python
python-tools:
	@if "$(PY_VENV)/bin/python" -c 'import aiosmtpd' 2>/dev/null \
	  && "$(PY_VENV)/bin/schemathesis" --version 2>/dev/null | grep -q "$(SCHEMATHESIS_VERSION)"; then exit 0; fi; \
	[ -x "$(PY_VENV)/bin/pip" ] || python3 -m venv "$(PY_VENV)"; \
	"$(PY_VENV)/bin/pip" install --quiet 'aiosmtpd==$(AIOSMTPD_VERSION)' 'schemathesis==$(SCHEMATHESIS_VERSION)'

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown

# cargo-leptos 0.3.11 does not install as published on rustc 1.95: its lock
# file pins a cargo-util-schemas that needs 1.96. Build it from the registry
# source with that one crate pinned back, without its download features
# (they fetch tools from outside the package registries).
cargo-leptos:
	@if cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then exit 0; fi; \
	echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 15 minutes, once)"; \
	cargo info cargo-leptos@$(CARGO_LEPTOS_VERSION) >/dev/null; \
	src=$$(ls -d "$(CARGO_HOME)"/registry/src/*/cargo-leptos-$(CARGO_LEPTOS_VERSION) | head -n1); \
	work=$$(mktemp -d); cp -r "$$src" "$$work/cargo-leptos"; cd "$$work/cargo-leptos"; \
	rm -f rust-toolchain.toml; \
	cargo update -p cargo-util-schemas --precise 0.14.0; \
	cargo install --path . --locked --features no_downloads; \
	rm -rf "$$work"

# cargo-leptos runs the wasm-bindgen on PATH; it must equal the crate version.
wasm-bindgen:
	@if wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then exit 0; fi; \
	echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

postgres-binaries:
	@if command -v initdb >/dev/null && command -v postgres >/dev/null; then exit 0; fi; \
	if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then exit 0; fi; \
	$(MAKE) --no-print-directory apt-update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql

# cargo-leptos runs wasm-opt on release builds. Debian's binaryen (108) breaks
# the module Rust and wasm-bindgen emit now ("Table.set(): Argument 1 is
# invalid"); binaryen 132 from npm (a WASM build, no download at run time)
# does not. Installed into our tools folder, first on PATH.
wasm-opt:
	@if wasm-opt --version 2>/dev/null | grep -q "version $(BINARYEN_VERSION)"; then exit 0; fi; \
	echo "Installing binaryen $(BINARYEN_VERSION) (wasm-opt) from npm"; \
	npm install --prefix "$(TOOLS_DIR)" --no-audit --no-fund binaryen@$(BINARYEN_VERSION)

chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	$(MAKE) --no-print-directory apt-update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

.PHONY: apt-update
apt-update:
	@if [ ! -f $(APT_UPDATED) ]; then apt-get update && touch $(APT_UPDATED); fi

# Playwright from npm only: the browser is Debian's chromium, never a download.
end2end-deps:
	@cd end2end && if [ ! -d node_modules/@playwright/test ] \
	  || ! cmp -s package-lock.json node_modules/.package-lock.json; then \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; fi

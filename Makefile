# f2b — common tasks. `make test` is what CI runs.
CARGO ?= cargo
OUT ?= out

.PHONY: all build release test lint fmt demo bench clean

all: build

build:
	$(CARGO) build --workspace --locked

release:
	$(CARGO) build --workspace --release --locked

## The whole test suite, as CI runs it: tests, clippy, formatting.
test:
	$(CARGO) test --workspace --locked
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf $(OUT)

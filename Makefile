# f2b — common tasks. `make test` is what CI runs; `make demo` the whole pipeline
# on the embedded sample data.
CARGO ?= cargo
OUT ?= out
BIN ?= target/debug
SAMPLE ?= data/sample

# Real data instead of the embedded sample's, e.g.
#   make demo GEOIP=/usr/share/GeoIP/GeoLite2-City.mmdb \
#             PFX2AS="routeviews-rv2-20110101-1200.pfx2as.gz routeviews-rv6-20110101-1200.pfx2as.gz" \
#             ASNAMES=autnums.html
GEOIP ?=
PFX2AS ?=
ASNAMES ?=

.PHONY: all build release test test-page test-spark test-recipes fuzz fuzz-smoke lint fmt demo bench clean

all: build

build:
	$(CARGO) build --workspace --locked

release:
	$(CARGO) build --workspace --release --locked

## The whole test suite, as CI runs it: tests, clippy, formatting, the page in a
## browser, the analyst and Spark recipes, a short fuzzing run.
test:
	$(CARGO) test --workspace --locked
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) fmt --all --check
	$(MAKE) test-page
	$(MAKE) test-recipes
	$(MAKE) test-spark
	$(MAKE) fuzz-smoke

## The demo's page rendered in headless Chromium (installed when missing).
test-page: demo
	crates/f2b-report/tests/browser/check-page.sh $(OUT)/report.html $(OUT)/report.expect.json

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

GEO_DB = $(if $(GEOIP),$(foreach f,$(GEOIP),--db $(f)),--db $(OUT)/data/sample-city.mmdb)
ASN_SRC = $(if $(PFX2AS),$(foreach f,$(PFX2AS),--pfx2as $(f)),--pfx2as-dir $(OUT)/data)
ASN_NAMES = --names $(if $(ASNAMES),$(ASNAMES),$(OUT)/data/autnums.html)

## The whole pipeline on the embedded sample data, offline.
demo: build
	@mkdir -p $(OUT)
	$(BIN)/f2b-sample data --from $(SAMPLE) --out $(OUT)/data -q
	$(BIN)/f2b-extract -r $(SAMPLE)/mail --rejects $(OUT)/rejects.ndjson -o $(OUT)/records.ndjson
	$(BIN)/f2b-geo $(GEO_DB) $(OUT)/records.ndjson | $(BIN)/f2b-asn $(ASN_SRC) $(ASN_NAMES) -o $(OUT)/enriched.ndjson
	$(BIN)/f2b-anon --csv $(OUT)/enriched.ndjson -o $(OUT)/dataset.csv
	$(BIN)/f2b-anon $(OUT)/enriched.ndjson -q -o $(OUT)/dataset.ndjson
	$(BIN)/f2b-agg --pretty $(OUT)/enriched.ndjson -o $(OUT)/digest.json
	$(BIN)/f2b-report $(OUT)/digest.json -o $(OUT)/report.html
	crates/f2b-report/tests/browser/expect.py $(OUT)/digest.json > $(OUT)/report.expect.json
	@echo
	@echo "Outputs:"
	@echo "  $(OUT)/records.ndjson    extracted ban records ($$(wc -l < $(OUT)/records.ndjson) lines; skipped mail in $(OUT)/rejects.ndjson)"
	@echo "  $(OUT)/enriched.ndjson   records with geo and AS data"
	@echo "  $(OUT)/dataset.csv       the anonymized dataset ($$(($$(wc -l < $(OUT)/dataset.csv) - 1)) rows; also $(OUT)/dataset.ndjson)"
	@echo "  $(OUT)/digest.json       the digest behind the charts"
	@echo "  $(OUT)/report.html       the page of charts (open it in a browser)"

## The analyst recipes of contrib/recipes (jq, DuckDB), checked against the demo's
## outputs; installs duckdb into .venv-recipes/ when missing.
test-recipes: demo
	contrib/recipes/test-recipes.sh $(OUT)

## The Spark recipe in local[2] mode on the sample, sharded, against one process;
## installs pyspark into .venv-spark/ when missing (Java 17 must be there).
test-spark: build
	BIN=$(BIN) contrib/spark/test-spark.sh

## Fuzzing (cargo fuzz, libFuzzer): every target for FUZZ_SECONDS (default 60) each.
## Installs cargo-fuzz when missing; see docs/robustness.md.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

## The short fuzzing run `make test` (and so CI) does: every target for 10 s,
## from seeds made of the project's fixtures.
fuzz-smoke:
	FUZZ_SECONDS=10 fuzz/run.sh

## Throughput, memory and peer comparison; writes bench/RESULTS.md.
bench:
	bench/run.sh

clean:
	$(CARGO) clean
	rm -rf $(OUT)

# The only entry points: serve, test (and build, check, clean). Everything installs into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp

.PHONY: install build serve test check lint clean bench bench-full browser

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/govkg build

serve: install
	$(BIN)/govkg serve

lint: install
	$(BIN)/ruff check graph api tests

test: install lint browser
	$(BIN)/python -m pytest

# Debian's chromium for tests/browser (Playwright drives it; no browser is ever downloaded).
# Installed only as root (CI); elsewhere a loud note, and the browser tests skip saying why.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "*** NO CHROMIUM: run 'apt-get install chromium' as root; browser tests will SKIP ***"; \
	  fi; }

check: test

# Benchmarks (bench/, never part of make test): quick = 10k and 100k triples, full adds 1M.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --quick

bench-full: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --full

clean:
	rm -rf var .pytest_cache .ruff_cache

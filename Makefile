# The only entry points: serve, test (and build, check, clean). Everything installs into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install build serve test check lint clean

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

test: install lint
	$(BIN)/python -m pytest

check: test

clean:
	rm -rf var .pytest_cache .ruff_cache

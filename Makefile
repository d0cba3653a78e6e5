# 電子保証ガイド — every command sets up its own virtual environment first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
#: mutmut's parallel workers for `make mutation` (1 on a machine shared with other work).
MUTATION_JOBS ?= 2
#: `make test`'s second run: a build date before some adopters' starts, so 開始予定 rows are built and checked.
EARLY_BUILD_DATE := 2024-01-01
DATED_TESTS := tests/site/test_adopters_page.py tests/features/test_feeds.py tests/features/test_exports.py \
	tests/features/test_charts.py tests/test_build_date.py

.PHONY: help setup build check serve run test lint bench new-city clean node system-packages stale import-adopters links mutation

## help: list every target with what it does
help:
	@awk -F': ' '/^## [a-z-]+: / { sub(/^## /, ""); printf "  make %-16s %s\n", $$1, substr($$0, length($$1) + 3) }' $(MAKEFILE_LIST)

## setup: create .venv and install the project with its pinned dependencies
setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

## node: install the npm checkers (axe-core, vnu-jar, lighthouse) into node_modules/
node: node_modules/.installed

## system-packages: install the Debian packages the tests need (chromium, fonts, Java, poppler, wrk…) when missing
system-packages:
	bash scripts/system-packages.sh

## build: validate the data and write the site to output/
build: setup
	$(PY) -m scripts.build

## check: validate all data files and name every error (file:line:column)
check: setup
	$(PY) -m scripts.check

## stale: list sources not checked against the original for longer than ESURETY_MAX_SOURCE_AGE_DAYS (180)
stale: setup
	$(PY) -m scripts.stale $(ARGS)

## serve: preview with rebuild on change on http://127.0.0.1:8000 (PORT=… to change)
serve: setup
	$(PY) -m scripts.devserver --watch --port $(PORT)

## run: set up, build, load demo certificates and serve the site with a working lookup
run: setup
	$(PY) -m scripts.build
	$(PY) -m scripts.load_certificates data/demo_certificates.yaml --demo --quiet
	$(PY) -m scripts.devserver --port $(PORT)

## new-city: scaffold a guidance file and its adopters row
new-city: setup
	$(PY) -m scripts.new_city $(ARGS)

## import-adopters: reconcile a guarantor's new list with data/adopters.yaml (writes only with --apply)
import-adopters: setup
	$(PY) -m scripts.import_adopters $(ARGS)

## links: check every external URL in the data, the pages and output/ (broken ones with file:line)
links: setup
	$(PY) -m scripts.links $(ARGS)

## lint: ruff over the code and tests, mypy strict over the kernel and the lookup
lint: setup
	$(PY) -m ruff check esurety lambda_verify scripts bench tests
	$(PY) -m mypy

## test: set up (Debian packages, .venv, the npm checkers), lint, and run the whole test suite on both cores
##   (in random order, build date after every start), then the adopter status tests on a day before some starts
test: system-packages setup node lint
	$(PY) -m pytest -q -n 2
	$(PY) -m pytest -q -n 2 -m "not slow" --build-date $(EARLY_BUILD_DATE) $(DATED_TESTS)

## bench: run the benchmarks, results under bench/results/
bench: setup
	$(PY) -m bench.run

## mutation: mutation testing (mutmut) of the kernel, the eligibility rule and the lookup; scores in bench/results/mutation.md
mutation: setup
	rm -rf mutants
	mkdir -p mutants && $(PY) -m scripts.moto_server $(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) \
		> mutants/run.log 2>&1 || { tail -40 mutants/run.log; exit 1; }
	$(PY) -m bench.mutation $(ARGS)

## clean: remove the built site, the embedded store and caches
clean:
	rm -rf output .build-tmp* var cache

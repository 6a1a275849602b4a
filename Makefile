# alliance-kg: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
OUT    := out

.PHONY: demo test install dev browser virtuoso bench bench-large eval notebook clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps are rewritten whenever pyproject.toml changes.
$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[dev]'
	touch $@ $(VENV)/.core-installed

install: $(VENV)/.core-installed
dev: $(VENV)/.dev-installed

demo: $(VENV)/.core-installed
	$(BIN)/kg build --corpus corpus --out $(OUT)/kg.ttl
	$(BIN)/kg view --graph $(OUT)/kg.ttl --out $(OUT)/network.html
	@echo
	@echo "Sample query: which foreign forces use which base (kg query shared-bases)"
	$(BIN)/kg query shared-bases --graph $(OUT)/kg.ttl

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "warning: /usr/bin/chromium missing and cannot be installed (not root); browser tests will fail under CI=true"; fi

# Debian's Virtuoso Open Source 7.2 for the Virtuoso tests (tests/test_virtuoso.py starts its own server).
virtuoso:
	@if command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's virtuoso-opensource for the Virtuoso tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; \
	else echo "warning: virtuoso-t missing and cannot be installed (not root); Virtuoso tests will fail under CI=true"; fi

test: $(VENV)/.dev-installed browser virtuoso
	$(BIN)/python -m pytest

# The whole `kg build` (benchmarks/incremental.py) at 1,000 and 10,000 documents after the tables, at 100,000 in
# bench-large (an hour or more; without the --jobs 1 build, compared with --jobs 2 by bench: see docs/performance.md);
# each writes its run into its own section of docs/performance.md, the raw numbers in out/.
bench: $(VENV)/.dev-installed browser
	$(BIN)/python -m benchmarks.run --markdown
	$(BIN)/python -m benchmarks.incremental --docs 1000 --docs 10000 --json $(OUT)/bench-build.json --markdown-into docs/performance.md

bench-large: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.incremental --docs 100000 --builds clean_jobs2,added --json $(OUT)/bench-build-large.json --markdown-into docs/performance.md

# Extraction scores against the gold sets (eval/README.md): the seed corpus, the shared dev set if present, real text
# (real: the development set; holdout, final and blind: sets first scored before any rule was written for them).
eval: $(VENV)/.core-installed
	$(BIN)/python eval/score.py seed=corpus:eval/seed/gold.tsv $$( [ -d ../shared/dev-eval ] && echo dev=../shared/dev-eval/docs:../shared/dev-eval/gold.tsv ) real=eval/real/docs:eval/real/gold.tsv holdout=eval/holdout/docs:eval/holdout/gold.tsv final=eval/final/docs:eval/final/gold.tsv blind=eval/blind/docs:eval/blind/gold.tsv

# The notebooks' kernel is this venv's Python: its kernelspec (python3) goes into the venv, and the venv's
# Jupyter folder comes first on JUPYTER_PATH, ahead of any other python3 kernel on the machine.
notebook: $(VENV)/.dev-installed
	$(PIP) install -q -e '.[notebook]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (alliance-kg .venv)" >/dev/null
	JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" $(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(OUT) .pytest_cache test-artifacts

# wiretap-book: the two commands a reader needs are `make book` and `make test`.
# Each creates .venv on first use and installs requirements.txt (which installs the
# wiretap package itself, editable), then builds or tests.

SHELL       := /bin/bash
PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
JOBS        ?= 2
LIB_FILES   := $(shell find lib -name '*.py' 2>/dev/null)

# Kernels started by tests and builds load .ci/ipython (warnings from chapter and library
# code become errors); explorers render their static figure. (No MPLBACKEND here: kernels
# must keep matplotlib's inline backend, or figures never reach the pages.)
export IPYTHONDIR    := $(CURDIR)/.ci/ipython
export WIRETAP_BUILD := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.DEFAULT_GOAL := help
.PHONY: help install book part test lint format bench clean assignments assignments-check \
        browser-test pdf pdf-deps pdf-test publish publish-html

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

install: $(STAMP)  ## Create .venv and install the pinned stack and the wiretap package

# Executed chapters are cached by cell source only; a change in lib/ or in the pinned
# stack must re-execute them, so it wipes the build folder.
_build/.lib-stamp: $(LIB_FILES) requirements.txt
	rm -rf _build
	@mkdir -p _build && touch $@

# The chapters are first executed two at a time into the build's execution cache
# (.ci/preexecute.py); the build then reads them from there (and executes whatever failed,
# reporting its error as usual).
book: $(STAMP) _build/.lib-stamp  ## Build the HTML book at paper scale (warnings are errors)
	WIRETAP_SCALE=paper WIRETAP_REPRO_DIR=$(CURDIR)/_build/repro \
	  $(BIN)/python .ci/preexecute.py --jobs $(JOBS)
	WIRETAP_SCALE=paper WIRETAP_REPRO_DIR=$(CURDIR)/_build/repro \
	  $(BIN)/jupyter-book build --all . -W -n --keep-going
	@echo "Book: $(CURDIR)/_build/html/index.html"

# One part with the frame and Foundations, built into its own folder (its own execution
# cache), so that contributors working on different parts do not disturb each other. Every
# warning fails it except references to the parts left out (see .ci/part_build.py).
# The execution cache is keyed by cell source only, so each scale gets its own folder.
PART_SCALE = $(or $(SCALE),quick)
PART_OUT   = _build/part-$(PART)$(if $(filter paper,$(PART_SCALE)),-paper,)
part: $(STAMP)  ## Build one part: make part PART=smallcell [SCALE=quick|paper]
	@test -n "$(PART)" || { echo "usage: make part PART=<folder under book/>"; exit 2; }
	WIRETAP_SCALE=$(PART_SCALE) WIRETAP_REPRO_DIR=$(CURDIR)/$(PART_OUT)/repro \
	  $(BIN)/python .ci/part_build.py $(PART) $(PART_OUT)

# Two pytest workers on two cores: one BLAS thread each (kernels get the same from .ci/ipython),
# since OpenBLAS's spinning thread pool slows small linear algebra down badly when oversubscribed.
test: $(STAMP)  ## Unit tests and every chapter (nbval) at quick scale
	WIRETAP_SCALE=quick WIRETAP_REPRO_DIR=$(CURDIR)/_build/repro-quick \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadfile

LINT_PATHS  := lib tests benchmarks conftest.py book/_ext .ci

lint: $(STAMP)  ## ruff: lint and format check
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

format: $(STAMP)  ## ruff: fix what can be fixed and reformat
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# One BLAS thread, as in the tests and the book's kernels: on two cores OpenBLAS's thread pool
# adds milliseconds of wake-up latency to small factorizations and would distort the ratios.
bench: $(STAMP)  ## Benchmarks (ratios against a baseline in the same run)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python benchmarks/run.py

assignments: $(STAMP)  ## otter-grader assignment of every chapter with exercises -> assignments/
	rm -rf assignments
	$(BIN)/python -m wiretap.teaching build --all --out assignments

assignments-check: assignments  ## otter run on the pack: solutions get full points, stubs none
	WIRETAP_SCALE=quick $(BIN)/python -m wiretap.teaching verify assignments

# Browser tests of a built book (run `make book` first; needs Debian's chromium). HTML picks
# the folder, e.g. HTML=_build/part-smallcell/_build/html after `make part PART=smallcell`.
HTML ?= _build/html
browser-test: $(STAMP)  ## Check the built book in headless Chromium [HTML=_build/html]
	@test -f $(HTML)/index.html || { echo "no built book in $(HTML): run make book"; exit 2; }
	$(BIN)/python -m pytest -p no:xdist tests/browser --html-dir $(HTML) \
	  --artifacts _build/browser-artifacts

# The PDF goes through Jupyter Book's LaTeX route (XeLaTeX) with Debian's TeX packages. Run after
# `make book`: the chapters' executed outputs come from the same execution cache (paper scale),
# so nothing is executed twice. pdf-deps installs the TeX packages when they are missing (root).
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-extra texlive-fonts-recommended \
                texlive-plain-generic fonts-freefont-otf poppler-utils xindy
pdf-deps:  ## Install Debian's TeX packages for `make pdf` when missing (needs root)
	@if command -v xelatex >/dev/null && command -v latexmk >/dev/null \
	    && command -v pdftoppm >/dev/null && command -v xindy >/dev/null \
	    && fc-list | grep -q FreeSerif; then \
	  echo "TeX for make pdf: already installed"; \
	else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	fi

pdf: $(STAMP) _build/.lib-stamp pdf-deps  ## PDF of the book -> _build/latex/wiretap-book.pdf
	WIRETAP_SCALE=paper WIRETAP_REPRO_DIR=$(CURDIR)/_build/repro \
	  $(BIN)/jupyter-book build . --builder pdflatex --keep-going
	@test -s _build/latex/wiretap-book.pdf
	@echo "PDF: $(CURDIR)/_build/latex/wiretap-book.pdf"

PDF ?= _build/latex/wiretap-book.pdf
pdf-test: $(STAMP)  ## Check the PDF: render its first pages to images [PDF=...]
	@test -f $(PDF) || { echo "no PDF at $(PDF): run make pdf"; exit 2; }
	$(BIN)/python -m pytest -p no:xdist tests/pdf --pdf=$(PDF) --artifacts=_build/pdf-artifacts

# Publishing: the built HTML folder becomes the gh-pages branch (GitHub Pages serves it). It holds
# each chapter's executed notebook under _sources/, which the Colab button opens (see
# book/_ext/wiretap_pages.py: the branch name there must match PUBLISH_BRANCH, a test checks it,
# and each notebook's install cell is pinned to the commit the book was built from).
# --no-jekyll keeps GitHub Pages from dropping the folders that start with "_".
PUBLISH_BRANCH ?= gh-pages
publish: book  ## Build the book and commit it to the gh-pages branch [PUSH=1 also pushes it]
	$(MAKE) publish-html

publish-html:  ## Commit an already built book to gh-pages [HTML=..., PUSH=1]
	@test -f $(HTML)/index.html || { echo "no built book in $(HTML): run make book"; exit 2; }
	$(BIN)/ghp-import --no-jekyll --branch $(PUBLISH_BRANCH) $(if $(PUSH),--push,) \
	  --message "Book built from $$(git rev-parse --short HEAD 2>/dev/null || echo sources)" $(HTML)

clean:  ## Remove the built book and caches (keeps .venv)
	rm -rf _build .pytest_cache .hypothesis benchmarks/results

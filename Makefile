# The two set-up commands of README.md. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo compile test lint browser bench notebook clean

$(BIN)/exposure: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

# Byte-compiled once, as pip does for a regular install: an editable install otherwise compiles
# the package on every run where PYTHONDONTWRITEBYTECODE is set (about 80 ms of ~0.6 s).
compile: $(BIN)/exposure
	$(BIN)/python -m compileall -q exposure

demo: $(BIN)/exposure compile
	$(BIN)/exposure report --supplier Ambarella

lint: $(BIN)/exposure
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(BIN)/exposure lint browser
	@command -v java >/dev/null || echo "Java is not installed: the Spark tests will be skipped"
	$(BIN)/pytest

# The HTML view is tested in a real headless Chromium (tests/test_interactive.py); CI runs as root
# on Debian. Without root or apt-get the step says so, and the browser tests are skipped.
browser:
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
		|| echo "chromium could not be installed: the browser tests will be skipped"

# JupyterLab on the walkthrough notebook (README.md, "Pictures, exports and notebooks").
notebook: $(BIN)/exposure
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

# Benchmark (bench/README.md): make bench, or make bench SIZES=10k,100k
bench: SIZES ?= 10k,100k,1m
bench: $(BIN)/exposure
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run --sizes $(SIZES)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

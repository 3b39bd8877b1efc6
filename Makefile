# msevidence — two commands on a fresh machine: `make report` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root (a container's usual user) unless told to; Voila runs as root as it is
# and rejects the flag.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install report test lint lab app synth clean

install: $(STAMP)

# Creates the virtual environment with pip if missing and installs the package with its test tools.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (msevidence)" >/dev/null
	@touch $(STAMP)

## Render the default report set (reports/default.yaml) from the embedded evidence into reports/output/.
report: install
	$(BIN)/msevidence report --set default

## Run the whole test suite (the same command CI runs), one pytest-xdist worker per core; each test file stays on
## one worker, so the notebooks a file's fixture renders are rendered once.
test: install
	$(BIN)/pytest -n auto --dist loadfile

lint: install
	$(BIN)/ruff check src tests benchmarks

## Open the notebooks in JupyterLab (http://localhost:8888).
lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks $(AS_ROOT)

## The interactive teaching notebook as a local web app (http://localhost:8866); installs the optional Voila extra.
app: install
	$(BIN)/python -m pip install --quiet -e ".[app]"
	$(BIN)/voila --no-browser --port=8866 notebooks/teaching.ipynb

## Simulate a synthetic ORATORIO-calibrated trial into data/synthetic/.
synth: install
	$(BIN)/msevidence synth --trial ORATORIO --seed 1

clean:
	rm -rf reports/output .pytest_cache .ruff_cache

# hexa_mm: `make demo` and `make test` set the environment up first when needed.
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.hexa_mm_installed
# The env is rebuilt when what it is made from changes: the ranges, the tested
# pins (requirements/constraints.txt), setup.py and the install script.
REQS    := $(wildcard requirements/*.txt) setup.py tools/install_env.sh
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k moco -x"`.
PYTEST_ARGS ?=
# pytest-xdist processes, one per core (`make test WORKERS=0` runs in one process).
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: env demo test clean

env: $(STAMP)

$(STAMP): $(REQS)
	bash tools/install_env.sh $(VENV)

demo: $(STAMP)
	$(PYTHON) tools/demo.py

test: $(STAMP)
	$(PYTHON) -m pytest tests -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

# What the tools write and can write again: the demo's results, not the
# committed result files of the quality protocols beside them in results/.
clean:
	rm -rf work_dirs results/demo .pytest_cache

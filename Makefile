# Shortcuts for the commands of the README. Any variable can be set: make train ARGS="seed=0"
PYTHON ?= python
ARGS ?=

.PHONY: help train test test-fast lint format tensorboard docs

help:  ## list the targets
	@grep -E "^[a-z-]+:.*## " $(MAKEFILE_LIST) | sed -E "s/:.*## /\t/"

train:  ## python train.py $(ARGS), for example make train ARGS="batch_size=50 seed=0"
	$(PYTHON) train.py $(ARGS)

test:  ## every test, the slow end-to-end ones included (what CI runs)
	$(PYTHON) -m pytest $(ARGS)

test-fast:  ## the fast tests only
	$(PYTHON) -m pytest -m "not slow" $(ARGS)

lint:  ## ruff check and ruff format --check (what pre-commit runs), no file changed
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:  ## fix what ruff can fix and format the code
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

tensorboard:  ## TensorBoard on every run under logs/
	$(PYTHON) -m tensorboard.main --logdir logs $(ARGS)

docs:  ## the documentation site at http://127.0.0.1:8000, rebuilt as you edit (needs .[docs])
	$(PYTHON) -m mkdocs serve $(ARGS)

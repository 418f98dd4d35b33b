PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: demo test services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The product on this machine: SQLite, jobs in-process, texts to the console and the simulator.
demo: $(VENV)/.installed
	$(FLASK) release
	$(FLASK) demo-login
	@echo "Phone simulator: http://127.0.0.1:5000/simulator   Inbox: http://127.0.0.1:5000/inbox"
	EMBEDDED_CLOCK=1 $(FLASK) run --host 127.0.0.1 --port 5000

services:
	./scripts/ensure-services.sh

test: $(VENV)/.installed-dev services
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache

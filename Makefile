# kb – two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install demo clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 behövs ($(PYTHON) hittades inte)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kb init
	$(BIN)/kb demo
	$(BIN)/kb serve --host 127.0.0.1 --port 5000

# SQLite first; with KB_TEST_DATABASE_URL (a PostgreSQL server, see tests/pg.py) the suite runs again there.
test: install
	$(BIN)/ruff check kb tests bench scripts wsgi.py
	$(BIN)/lint-imports --no-cache
	env -u KB_TEST_DATABASE_URL $(BIN)/python -m pytest -q
	@if [ -n "$$KB_TEST_DATABASE_URL" ]; then \
		echo "Testsviten en gång till, nu på PostgreSQL (KB_TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -q; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info

.PHONY: screenshots
screenshots: install
	$(BIN)/python scripts/screenshots.py docs/screenshots

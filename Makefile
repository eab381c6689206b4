# venuebus: `make run` starts the whole system, `make test` runs the whole suite.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
export PYTHONPATH := $(CURDIR)

# after a change to pyproject.toml's dependencies: `make lock`, then commit requirements/
LOCK := uv pip compile -q pyproject.toml --python-version 3.11 --universal --generate-hashes \
        --custom-compile-command 'make lock'

.PHONY: lock setup system-deps run-deps test-deps run test test-unit test-integration test-e2e lint format bench clean

# installs exactly the locked versions (requirements/*.lock, with hashes), then the
# project itself without resolving anything again
$(VENV)/.installed: pyproject.toml requirements/dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements/dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed

system-deps:
	bash scripts/system-deps.sh test

# what running needs, and no more: the player's packages, and the local broker's
# management API (the speaker provisioner makes each device's broker user through it)
run-deps:
	bash scripts/system-deps.sh run
	bash scripts/broker-plugins.sh

# the Firebase Auth emulator (npm firebase-tools, project-local) for the Firebase tests;
# the local broker's management API for the speaker provisioner and the operator page
test-deps: system-deps
	bash scripts/firebase-emulator.sh install
	bash scripts/broker-plugins.sh

run: setup run-deps
	$(PY) -m cli db upgrade
	$(PY) -m cli speakers demo --config var/device/agent.json
	$(PY) -m cli run --secret-file var/secret-key  # made once (0600) unless SECRET_KEY is set

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: setup test-deps lint
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

test-e2e: setup
	$(PY) -m pytest tests/e2e

format: setup
	$(VENV)/bin/ruff check --fix .

bench: setup system-deps
	$(PY) -m bench

lock:
	command -v uv >/dev/null || { echo "make lock needs uv (pip install uv)"; exit 1; }
	$(LOCK) --extra server --extra device --extra dev -o requirements/dev.lock
	$(LOCK) --extra server --extra device -o requirements/server.lock
	$(LOCK) --extra device -o requirements/device.lock

clean:
	rm -rf $(VENV) var .pytest_cache

# Two commands for a fresh machine: `make sandbox` (try the bot offline) and `make test`.
# Each installs what it needs into .venv first. `make wheel-check` proves the built wheel runs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: sandbox test bench install chromium wheel-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

sandbox: $(STAMP)
	$(PY) -m bot sandbox $(ARGS)

# The browser test drives Debian's Chromium; install it when missing and we are allowed to.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium is missing: the browser test will be skipped"; }

test: $(STAMP) chromium
	$(PY) -m pytest $(ARGS)

bench: $(STAMP)
	$(PY) -m bench $(ARGS)

# The wheel, installed with its dependencies into a fresh virtualenv outside the checkout, runs.
wheel-check:
	$(PYTHON) .ci/wheel-check

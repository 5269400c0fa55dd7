# Clueflow — the README's commands. Every target sets up what it needs first.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: install run test bench lint assets system clean

install: $(STAMP) assets

# The virtual environment and the project (editable), redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

# The bpmn.io viewers and editors, from the npm registry, bundled offline by esbuild.
assets: webapp/static/dist/.built
webapp/static/dist/.built: package.json package-lock.json build.mjs $(wildcard webapp/static/src/*)
	npm ci --no-audit --no-fund --loglevel=error
	node build.mjs
	touch $@

# Debian's Chromium (browser tests), CJK fonts (pages and PDFs) and Pango (WeasyPrint's PDFs), when missing
# and we may install.
system:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
		|| ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; then \
		if [ "$$(id -u)" = "0" ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
				libpango-1.0-0 libpangoft2-1.0-0) >/dev/null; \
		else echo "please install chromium, fonts-noto-cjk, libpango-1.0-0 and libpangoft2-1.0-0 (Debian packages)"; fi; \
	fi

run: install system
	.venv/bin/clueflow run --host $(HOST) --port $(PORT)

test: install system
	.venv/bin/ruff check engine webapp tests bench conftest.py
	.venv/bin/lint-imports
	.venv/bin/pytest -n auto --dist worksteal

bench: install
	$(PY) -m bench

lint: install
	.venv/bin/ruff check engine webapp tests bench conftest.py
	.venv/bin/ruff format --check engine webapp tests bench conftest.py
	.venv/bin/lint-imports
	.venv/bin/mypy

clean:
	rm -rf .venv node_modules webapp/static/dist

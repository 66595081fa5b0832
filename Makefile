# 舆情哨兵 — everything a fresh machine needs, from the project's own files.
SHELL := /bin/bash
PY    := .venv/bin/python
PIP   := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: setup system-deps run demo test test-fast lint bench es-start es-stop redis-start redis-stop clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages: chromium for browser tests, CJK fonts for screenshots, redis for
# distributed crawling. Installed only when missing (CI runs as root).
system-deps:
	@bash scripts/system-deps.sh

run: setup
	.venv/bin/yuqing run

demo: setup
	.venv/bin/yuqing demo

es-start: setup
	bash scripts/es.sh start
es-stop:
	bash scripts/es.sh stop

redis-start: system-deps
	bash scripts/redis.sh start
redis-stop:
	bash scripts/redis.sh stop

test: setup system-deps
	bash scripts/test.sh

test-fast: setup
	.venv/bin/pytest -q -m "not es and not redis and not browser"

lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports

bench: setup
	$(PY) -m service.bench

clean:
	rm -rf .venv var .pytest_cache

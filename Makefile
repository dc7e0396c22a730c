# Two commands on a fresh machine: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test serve lint typecheck mutate install env migrate seed messages clean bench bench-large bench-smoke bench-crypto

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

env: install
	$(BIN)/python scripts/dev_env.py

migrate: env
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --json > .demo-users.json
	@echo "Demo users (also in .demo-users.json; passwords change on every run):"
	@cat .demo-users.json

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Two workers (the machines have two cores); PYTEST_ARGS="-n0" runs in one process.
PYTEST_ARGS ?= -n 2
test: env
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Named mutations of the legal rules, one at a time, each against the tests that should notice
# (docs/testing.md; about 9 minutes). MUTATE_ARGS="--only NAME" runs one, "--list" lists them.
MUTATE_ARGS ?=
mutate: env
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

# Production-like: DEBUG off, gunicorn, no TLS redirect over loopback (for load tests). The audit
# sealer runs beside gunicorn and stops with it (decision 0016; systemd: docs/operations.md).
SERVE_ENV := DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 ALLOWED_HOSTS=127.0.0.1,localhost
serve: migrate
	$(SERVE_ENV) $(BIN)/python manage.py seal_audit --loop 1 & sealer=$$!; \
	trap 'kill $$sealer 2>/dev/null; wait $$sealer' EXIT INT TERM; \
	$(SERVE_ENV) $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $${WORKERS:-2} --access-logfile -

# The settings need .env.local (env): makemigrations and mypy's Django plugin both load them.
lint: env typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

# mypy with django-stubs over the product packages (pyproject.toml [tool.mypy]).
typecheck: env
	$(BIN)/mypy

# Drills (docs/operations.md#drills), each on a throw-away PostgreSQL instance of its own (initdb,
# pg_ctl, pg_dump and psql needed; as root it runs as the `postgres` user) and `make serve`.
.PHONY: drill drill-db-faults drill-concurrency drill-pooler drill-two-servers drills
drill: install
	$(BIN)/python scripts/drills/backup_restore.py

drill-db-faults: install
	$(BIN)/python scripts/drills/db_faults.py

drill-concurrency: install
	$(BIN)/python scripts/drills/concurrency.py

# The service behind PgBouncer in transaction mode (Debian's pgbouncer; docs/operations.md).
drill-pooler: install
	$(BIN)/python scripts/drills/pooler.py

# Two app servers behind nginx, one killed under a bounded wrk run (Debian's nginx and wrk).
drill-two-servers: install
	$(BIN)/python scripts/drills/two_servers.py

drills: drill drill-db-faults drill-concurrency drill-pooler drill-two-servers

# A real streaming replica of the local PostgreSQL on port 5433 (REPLICA_PORT): pg_basebackup and a
# hot standby (docs/operations.md#a-read-replica). Set DATABASE_REPLICA_URL to use it.
.PHONY: replica replica-stop
replica: install
	$(BIN)/python scripts/drills/replica.py start

replica-stop: install
	$(BIN)/python scripts/drills/replica.py stop

# Fuzzing: schemathesis against make serve, once per role (scripts/drills/fuzz.py; docs/testing.md),
# every check, with schemathesis.toml and scripts/drills/fuzz_hooks.py. CI runs fuzz-ci (up to
# 100 generated requests per operation in at most 60 s per role, then 35 s of stateful call
# sequences, then 60 s of the social worker's objects asked for by an outsider); fuzz is the long
# run (1,000 per operation, examples, coverage and fuzzing phases, 10 minutes for each of the rest).
FUZZ_EXAMPLES ?= 1000
.PHONY: fuzz fuzz-ci
fuzz: install
	$(BIN)/python scripts/drills/fuzz.py --examples $(FUZZ_EXAMPLES) --phases examples,coverage,fuzzing

fuzz-ci: install
	$(BIN)/python scripts/drills/fuzz.py --examples 100 --role-seconds 60 --stateful-seconds 35 --peer-seconds 60

# The schema's examples (api/examples.json): the first successful answer of each operation in the
# API tests, secrets replaced (tests/contract.py). Re-run when an answer's shape changes; the
# suite fails on an example that no longer matches the schema.
.PHONY: api-examples
api-examples: env
	rm -f api/examples.json
	RECORD_API_EXAMPLES=$(CURDIR)/api/examples.json $(BIN)/python -m pytest -n0 -q -p no:cacheprovider \
		tests/api tests/consent tests/referrals tests/oversight tests/content tests/audit \
		--deselect tests/api/test_schema_truth.py::test_every_operation_has_an_example_that_matches_the_schema

messages: install
	$(BIN)/python manage.py makemessages -l sv --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 .env.local .demo-users.json

# Benchmarks against PostgreSQL on 127.0.0.1 (docs/performance.md); wrk is installed if missing.
# They run under the benchmark's own settings (bench/settings.py), never the product's.
BENCH_SETTINGS := DJANGO_SETTINGS_MODULE=bench.settings
bench: env
	$(BENCH_SETTINGS) $(BIN)/python bench/run.py --cases 1000 --audit-entries 20000 --seconds 2 --repeat 3

bench-large: env
	$(BENCH_SETTINGS) $(BIN)/python bench/run.py --cases 100000 --audit-entries 10000000 --seconds 6 --repeat 3 \
		--database sspf_bench_large

# What CI runs: that the benchmark still works, in seconds.
# The web UI's pages, server time, at 1,000 cases (bench/ui_pages.py; p95 < 150 ms or it fails).
.PHONY: bench-ui
bench-ui: env
	$(BIN)/python bench/ui_pages.py --cases 1000 --rounds 40

# The auditor's log search page at 10 million audit entries (bench/ui_log_search.py; p95 < 150 ms
# or it fails). About 3 minutes to load a scratch database; LOG_SEARCH_ARGS="--keep" reuses it.
LOG_SEARCH_ARGS ?=
.PHONY: bench-log-search
bench-log-search: env
	$(BIN)/python bench/ui_log_search.py --entries 10000000 --rounds 30 $(LOG_SEARCH_ARGS)

bench-smoke: env
	$(BENCH_SETTINGS) $(BIN)/python bench/run.py --cases 30 --audit-entries 500 --seconds 1 --database sspf_bench_smoke

# The cost of field encryption, per field and per case detail (rolled back; the configured database).
bench-crypto: env
	$(BENCH_SETTINGS) $(BIN)/python manage.py bench_crypto

# lattice-ingress — every target installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
# checkov pins an older boto3/botocore than the project (and moto) need: its own venv.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
REGION ?= us-east-1

.PHONY: setup system-deps nginx demo serve test lint bench build validate deploy clean

## setup: virtualenv with the package, the embedded stack and the dev tools
setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[local,dev,cli]'
	touch $@

## system-deps: curl, wrk, openssl (for the local data plane); then production's NGINX
system-deps: nginx
	./scripts/install-system-deps.sh

## nginx: production's NGINX release (+ stream module) into .nginx/ (private; idempotent)
nginx:
	./scripts/install-nginx.sh

## demo: the main job on the embedded stack, end to end
demo: setup system-deps
	$(BIN)/lattice-ingress local demo

## serve: the embedded stack with the data plane, until Ctrl-C
serve: setup system-deps
	$(BIN)/lattice-ingress local serve --dataplane --outputs .local-stack/outputs.json

## test: the whole suite (unit, integration, state machine, data plane)
test: setup system-deps
	$(BIN)/pytest

## lint: ruff, mypy, cfn-lint and checkov on the templates, shellcheck on the shell scripts
lint: setup $(CHECKOV_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/core functions nginx embedded_aws lattice_ingress_cli
	$(BIN)/cfn-lint template.yaml spoke/template.yaml
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		-f template.yaml -f spoke/template.yaml
	$(BIN)/shellcheck nginx/entrypoint.sh scripts/*.sh

$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	touch $@

## bench: benchmarks, JSON on stdout
bench: setup system-deps
	@for b in bench/bench_*.py; do $(BIN)/python $$b; done

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check aws-sam-cli==1.170.0
	touch $@

## validate: sam validate --lint (offline)
validate: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint --region $(REGION)

## build: sam build (makefile build method; no Docker needed)
build: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam build

## deploy: sam deploy (guided the first time: make deploy ARGS=--guided)
deploy: build
	$(SAM_VENV)/bin/sam deploy $(ARGS)

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .local-stack

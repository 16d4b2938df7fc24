# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed on first use into .venv (the app) and .venv-nlu (Rasa),
# and re-installed only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
NLU_VENV := .venv-nlu
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed
NLU_STAMP := $(NLU_VENV)/.installed

.PHONY: partner partner-key partner-revoke crosscheck db-upgrade run test install fonts model nlu-eval nlu-crossval forms-eval ingest hotline-eval menu bench clean help user browser

help:
	@echo "make run                 start everything and serve http://127.0.0.1:8000 (Ctrl-C stops)"
	@echo "make test                run the whole test suite (real Redis, Rasa, sandbox)"
	@echo "make model               train the NLU model if nlu_data/ changed"
	@echo "make nlu-eval DATA=f.yml evaluate the model on a held-out Rasa NLU file"
	@echo "make nlu-crossval        5-fold cross-validation of the training data"
	@echo "make forms-eval          score the forms on the held-out conversations (real stack)"
	@echo "make db-upgrade          the records database's schema to the newest (DATABASE_OWNER_URL or DATABASE_URL)"
	@echo "make user NAME=… ROLE=agent|department|office|admin [DEPT=…]  a console account (prints a one-time password)"
	@echo "make partner NAME=… SCOPES=a,b [LIMIT=…]  register a partner of the open platform (prints its key once)"
	@echo "make partner-key NAME=… [ROTATE=1]  a new key for a partner; make partner-revoke KEY=<key_id>"
	@echo "make hotline-eval FILE=calls.jsonl GOLD=gold.jsonl  accuracy of the hotline's understanding"
	@echo "make crosscheck [OUT=dir] [SCORE=1]  run the cross-department checks now (CSV per reviewing department)"

install: $(APP_STAMP) $(NLU_STAMP) fonts

# The CJK font of the hotline's charts (WenQuanYi Micro Hei): without one, Chinese labels would
# be drawn as empty boxes. Installed from the system's packages once; skipped when present.
fonts:
	@fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || { \
	  echo "installing fonts-wqy-microhei (the charts' CJK font)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; } || \
	  echo "warning: fonts-wqy-microhei not installed (no apt-get or no rights): make ingest will skip the charts"; }

$(APP_STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

# Rasa 3.6 declares Python <3.11: its pinned dependencies go in first, then Rasa
# itself without dependency resolution (see docs/nlu.md).
$(NLU_STAMP): requirements-nlu.txt
	$(PYTHON) -m venv $(NLU_VENV)
	$(NLU_VENV)/bin/pip install -q --no-deps -r requirements-nlu.txt
	$(NLU_VENV)/bin/pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	touch $@

db-upgrade: $(APP_STAMP)
	$(PY) scripts/db_upgrade.py

model: install
	$(PY) scripts/nlu_model.py ensure
	$(PY) scripts/hotline_model.py

run: install
	$(PY) scripts/hotline_model.py >/dev/null
	$(PY) scripts/devstack.py

test: install browser
	$(PY) scripts/nlu_model.py ensure
	$(PY) scripts/hotline_model.py >/dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

nlu-eval: install
	@test -n "$(DATA)" || (echo "usage: make nlu-eval DATA=path/to/file.yml" && exit 2)
	$(NLU_VENV)/bin/python scripts/nlu_eval.py --model "$$($(PY) scripts/nlu_model.py ensure)" --data "$(DATA)" --out reports/

nlu-crossval: install
	$(NLU_VENV)/bin/python scripts/nlu_crossval.py --folds 5 --out reports/

forms-eval: install
	$(PY) scripts/nlu_model.py ensure >/dev/null
	$(PY) scripts/forms_eval.py --out reports/forms_eval.json $(ARGS)

clean:
	rm -rf logs reports .pytest_cache

ingest: $(APP_STAMP)
	@test -n "$(FILE)" || (echo "usage: make ingest FILE=path.jsonl [OUT=dir] [RESUME=1] [SHARED=1]" && exit 2)
	$(PY) scripts/hotline_model.py >/dev/null
	$(PY) scripts/ingest.py --file "$(FILE)" $(if $(OUT),--out "$(OUT)") $(if $(RESUME),--resume) $(if $(SHARED),--shared)

# Purpose / topic / department / district accuracy of the hotline on a labelled set
# (the fresh held-out sets are tests/channels/hotline/heldout6..8; the older ones are now the
# training data of the model of a whole call: docs/hotline.md).
hotline-eval: $(APP_STAMP)
	@test -n "$(FILE)" -a -n "$(GOLD)" || (echo "usage: make hotline-eval FILE=calls.jsonl GOLD=gold.jsonl" && exit 2)
	$(PY) scripts/hotline_model.py >/dev/null
	$(PY) scripts/hotline_eval.py --file "$(FILE)" --gold "$(GOLD)" $(if $(MISSES),--misses) $(if $(START_NLU),--start-nlu)

# The cross-department checks, once, now (docs/crosscheck.md); the worker also runs them on a
# schedule (crosscheck.interval_s). SCORE=1 scores them against the sandbox's planted anomalies.
crosscheck: $(APP_STAMP)
	$(PY) scripts/crosscheck.py $(if $(OUT),--out "$(OUT)") $(if $(SCORE),--score)

menu: $(APP_STAMP)
	$(PY) -m bot.wechat_api.menu publish

# Benchmarks against a running `make run` (see docs/benchmarks.md).
bench: $(APP_STAMP)
	$(PY) scripts/bench_e2e.py --n 1000

# An operator's account for the console (/console/login); prints its one-time password.
user: $(APP_STAMP)
	@test -n "$(NAME)" -a -n "$(ROLE)" || (echo "usage: make user NAME=… ROLE=agent|department|office|admin [DEPT=…]" && exit 2)
	$(PY) scripts/make_user.py --name "$(NAME)" --role "$(ROLE)" $(if $(DEPT),--dept "$(DEPT)")

# The open platform's partners (docs/partners.md): register one, give it a new key (ROTATE=1: the
# others end), revoke a key. A key is printed once; the records keep only a keyed hash of it.
partner: $(APP_STAMP)
	@test -n "$(NAME)" -a -n "$(SCOPES)" || (echo "usage: make partner NAME=… SCOPES=catalogue:read,status:read,ledger:read [LIMIT=120/minute]" && exit 2)
	$(PY) scripts/partner.py add "$(NAME)" --scopes "$(SCOPES)" $(if $(LIMIT),--limit "$(LIMIT)")

partner-key: $(APP_STAMP)
	@test -n "$(NAME)" || (echo "usage: make partner-key NAME=… [ROTATE=1]" && exit 2)
	$(PY) scripts/partner.py key "$(NAME)" $(if $(ROTATE),--rotate)

partner-revoke: $(APP_STAMP)
	@test -n "$(KEY)" || (echo "usage: make partner-revoke KEY=<key_id>" && exit 2)
	$(PY) scripts/partner.py revoke-key "$(KEY)"

# The console's browser tests need Debian's chromium, chromium-driver and a CJK font: installed
# with apt-get when missing and possible (root, or sudo without a password). Where they cannot
# be, the browser tests skip with a message (and fail under CI=true).
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-microhei
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(BROWSER_PACKAGES) for the console's browser tests"; \
		(apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1)) \
			|| echo "could not install $(BROWSER_PACKAGES): the browser tests will be skipped"; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		echo "installing $(BROWSER_PACKAGES) for the console's browser tests"; \
		(sudo -n apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || (sudo -n apt-get update -q >/dev/null 2>&1 && sudo -n apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1)) \
			|| echo "could not install $(BROWSER_PACKAGES): the browser tests will be skipped"; \
	else \
		echo "$(BROWSER_PACKAGES) missing and no way to install them: the browser tests will be skipped"; \
	fi

# Casuskamer: every set-up step on a fresh Debian machine goes through here.
#   make run    start the program on a demo vault (created the first time)
#   make test   the whole test suite
#   make test-pg  the service suite on a throwaway PostgreSQL (the house server)
#   make package  the one-folder program in dist/casuskamer, then its smoke test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := .demo-vault
export CASUSKAMER_DEMO_PASSPHRASE ?= demo-kluis-casuskamer

.PHONY: run test test-pg sysdeps venv bench reliability package demo lint clean lock icons

# System libraries Qt needs under a real X server (and the fonts); installed when root.
SYSDEPS := libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
           libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
           libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0
# desktop-file-validate: a test checks packaging/casuskamer.desktop with it
SYSDEPS += desktop-file-utils

sysdeps:
	@bash packaging/install-sysdeps.sh $(SYSDEPS)

# Exactly the locked set (requirements/lock.txt: runtime, test, package and lint tools, every
# file checked against its sha256), then the program itself without resolving anything
# (setuptools for the editable install is in the lock too, through pyinstaller).
LOCK := requirements/lock.txt

$(STAMP): pyproject.toml $(LOCK)
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Regenerate the lock after a change in pyproject.toml's dependencies (keeps the pinned
# versions that still fit); `make lock UPGRADE=1` moves everything to the newest allowed
# version, `make lock UPGRADE=pypdf` only that package. For Linux, Windows and macOS at once.
lock:
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra package --extra dev \
		--universal --python-version 3.11 --generate-hashes --quiet \
		--custom-compile-command "make lock" -o $(LOCK) \
		$(if $(filter 1,$(UPGRADE)),--upgrade,$(if $(UPGRADE),--upgrade-package $(UPGRADE)))

venv: $(STAMP)

# `make run PROFILE=FILE`: the program on a house server's connection profile instead
run: sysdeps $(STAMP)
ifdef PROFILE
	$(VENV)/bin/casuskamer gui --vault "$(PROFILE)"
else
	@test -f $(DEMO)/casuskamer.db || CASUSKAMER_PASSPHRASE=$$CASUSKAMER_DEMO_PASSPHRASE \
		$(VENV)/bin/casuskamer demo --vault $(DEMO)
	$(VENV)/bin/casuskamer gui --vault $(DEMO)
endif

# Two workers, whole files each. A worker that crashes is replaced twice at most: xdist hands
# the crashed file to the new worker, crash and all, so more restarts only repeat it.
test: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --max-worker-restart=2

# The service suite on the house server (issue 22): the tests that open a vault through the
# shared fixtures, each on a fresh house on a throwaway PostgreSQL (TLS, SCRAM; tests/pg_engine.py
# says how, tests/pg_suite_marks.py what is file-only or not built on the server yet).
PG_SUITE := tests/unit/test_intake_service.py tests/unit/test_pg_services.py \
            tests/unit/test_triage.py tests/unit/test_closure.py tests/unit/test_plan.py \
            tests/unit/test_meetings.py tests/unit/test_subject_access.py \
            tests/unit/test_cases.py tests/unit/test_audit.py tests/unit/test_retention.py \
            tests/unit/test_handout_service.py tests/unit/test_parties_register.py \
            tests/unit/test_meetings_agenda.py tests/unit/test_meetings_room.py \
            tests/unit/test_structure_meetings.py tests/unit/test_seam_cases_repositories.py \
            tests/unit/test_pg_versions_intake.py tests/unit/test_pg_versions_minutes.py \
            tests/unit/test_audit_completeness.py tests/unit/test_audit_log_reading.py \
            tests/unit/test_case_search_row.py tests/unit/test_figures.py \
            tests/unit/test_figures_manager.py \
            tests/unit/test_first_use.py tests/unit/test_handout_passwords.py \
            tests/unit/test_hostile_text.py tests/unit/test_live_minutes.py \
            tests/unit/test_meeting_changed_by.py tests/unit/test_parties_bijlage1.py \
            tests/unit/test_parties_cli.py tests/unit/test_perf_lean_paths.py \
            tests/unit/test_permission_matrix.py tests/unit/test_pg_concurrency_edits.py \
            tests/unit/test_privacy_closure.py tests/unit/test_privacy_handouts.py \
            tests/unit/test_privacy_handouts_agenda.py tests/unit/test_privacy_import.py \
            tests/unit/test_privacy_roles.py tests/unit/test_privacy_room.py \
            tests/unit/test_privacy_subject_access.py \
            tests/unit/test_privacy_subject_access_cli.py \
            tests/unit/test_privacy_subject_access_lifedomain.py \
            tests/unit/test_referral2_closure.py tests/unit/test_referral2_figures.py \
            tests/unit/test_referral2_receipts.py tests/unit/test_referral_import_service.py \
            tests/unit/test_referral_more_attendance.py \
            tests/unit/test_referral_more_import_receipts.py \
            tests/unit/test_referral_more_informing_closed.py \
            tests/unit/test_roles_by_unlock.py tests/unit/test_seam_drafts.py \
            tests/unit/test_seam_parties_store.py tests/unit/test_seam_vault_roles.py \
            tests/unit/test_passphrase_strength.py tests/unit/test_structure_session.py \
            tests/unit/test_perf_query_listing.py tests/unit/test_users_list_marks.py \
            tests/unit/test_audit_forwarding.py tests/unit/test_pg_forward_lock.py \
            tests/unit/test_pg_versions2_triage.py tests/unit/test_pg_versions2_concerns.py \
            tests/unit/test_triage_withdraw.py
test-pg: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider --engine=postgresql $(PG_SUITE)

bench: $(STAMP)
	$(PY) -m benchmarks

reliability: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/reliability --full

# mypy --strict over the program and its Qt screens (issue 20, point 7), then the static half
# of the Windows/macOS proof (issue 21, point 6): the same strict check as if on Windows and
# on macOS (sys.platform branches, POSIX-only os functions and modules).
PORTABLE := app ui
lint: $(STAMP)
	@test -x $(VENV)/bin/ruff -a -x $(VENV)/bin/mypy || $(PY) -m pip install --quiet ruff mypy
	$(VENV)/bin/ruff check app ui tests
	$(VENV)/bin/mypy $(PORTABLE)
	$(VENV)/bin/mypy --platform win32 $(PORTABLE)
	$(VENV)/bin/mypy --platform darwin $(PORTABLE)

# The one-folder build (PyInstaller) and its smoke test: --version, a demo vault made by the
# built program, and the unlock screen shown offscreen (timed).
PKG_STAMP := $(VENV)/.package-installed

# pyinstaller comes with the locked set ($(STAMP)); nothing is installed unpinned here.
$(PKG_STAMP): $(STAMP)
	@touch $(PKG_STAMP)

package: $(PKG_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/casuskamer.spec
	$(PY) packaging/smoke.py dist/casuskamer

# The Windows and macOS icons (packaging/casuskamer.ico, .icns) from resources/icons/casuskamer.svg;
# committed, so only needed after the drawing changed.
icons: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) packaging/make_icons.py

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info

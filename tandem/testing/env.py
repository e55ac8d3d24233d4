"""Loaded with `-p` before pytest-django reads settings: tests never touch ./var or a live queue."""

import os
import tempfile

os.environ.setdefault("TANDEM_HOME", tempfile.mkdtemp(prefix="tandem-test-home-"))
os.environ.setdefault("TANDEM_JOBS_IMMEDIATE", "1")
os.environ.setdefault("TANDEM_DEMO", "0")

"""A real Dovecot IMAP server for tests: throw-away config, one user, Maildir, a free local port.

Use the `dovecot` fixture (star-import this module into a test module, or import the fixture
name), or `start_dovecot()` as a context manager. Without Dovecot installed the fixture calls
skip_or_fail, so CI (TANDEM_REQUIRE_SERVICES=1) fails instead of skipping.

Running as root, Dovecot refuses root for its login and mail processes: logins run as the
package's `dovenull` user and mail belongs to `nobody`; as anyone else, all of it runs as that
user. The server's files live in a fresh directory under the system temp dir (pytest's tmp_path
is private to root, which those users could not enter).
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tandem.testing.services import skip_or_fail

__all__ = ["Dovecot", "dovecot", "dovecot_binary", "start_dovecot"]

USER = "desk"
PASSWORD = "imap-test-secret"
STARTUP_SECONDS = 15


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid) that Dovecot accepts for this process."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    try:
        pwd.getpwnam("dovenull")
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        skip_or_fail("dovecot's dovenull user or nobody is missing (apt-get install dovecot-imapd)")
    return "root", "dovenull", nobody.pw_uid, nobody.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = tandem-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
# No brute-force penalty: a test's wrong password must not slow down the next login.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    uid: int
    gid: int
    process: subprocess.Popen
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD
    _count: int = field(default=0, repr=False)

    def mailbox_settings(self, **overrides) -> dict:
        """Arguments for tandem.mail.actions.create_mailbox to fetch from this server."""
        return {
            "receive_via": "imap",
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
            "imap_user": self.user,
            "imap_password": self.password,
            **overrides,
        }

    # --- delivering, as a local MTA would --------------------------------------------------

    def maildir(self, folder: str = "INBOX") -> Path:
        home = self.root / "mail" / self.user
        return home if folder == "INBOX" else home / f".{folder}"

    def deliver(self, raw: bytes, folder: str = "INBOX") -> Path:
        """Write the message into the folder's new/ (Maildir delivery: tmp/, then rename)."""
        base = self.maildir(folder)
        for sub in ("tmp", "new", "cur"):
            self._owned_dir(base / sub)
        self._count += 1
        name = f"{time.time_ns()}.P{os.getpid()}Q{self._count}.tandem-test"
        temporary = base / "tmp" / name
        temporary.write_bytes(raw)
        os.chown(temporary, self.uid, self.gid)
        final = base / "new" / name
        temporary.rename(final)
        return final

    def _owned_dir(self, path: Path) -> None:
        for part in [*reversed(path.relative_to(self.root / "mail").parents), path]:
            full = self.root / "mail" / part
            if not full.exists():
                full.mkdir(mode=0o700)
                os.chown(full, self.uid, self.gid)

    # --- looking, as a second IMAP client -------------------------------------------------

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            connection.login(self.user, self.password)
            yield connection
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                connection.logout()

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        with self.client() as connection:
            typ, data = connection.append(folder, f"({flags})" if flags else None, None, raw)
            assert typ == "OK", data

    def create_folder(self, name: str) -> None:
        with self.client() as connection:
            typ, data = connection.create(name)
            assert typ == "OK", data

    def messages(self, folder: str = "INBOX") -> list[tuple[set[str], bytes]]:
        """(flags, raw bytes) of every message in the folder, in UID order, read-only."""
        with self.client() as connection:
            typ, data = connection.select(folder, readonly=True)
            assert typ == "OK", data
            typ, data = connection.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
            assert typ == "OK", data
        found = []
        for item in data:
            if isinstance(item, tuple):
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
                names = set(flags.group(1).decode().split()) if flags else set()
                found.append((names - {"\\Recent"}, item[1]))
        return found

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Kill the server and its children at once (they share its process group)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def _wait_until_ready(server: Dovecot) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    output = server.process.stdout.read().decode(errors="replace") if server.process.stdout else ""
    server.stop()
    raise RuntimeError(f"dovecot did not start:\n{output}\n{server.log()}")


@contextlib.contextmanager
def start_dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        skip_or_fail("dovecot not installed (apt-get install dovecot-imapd)")
    internal, login, uid, gid = _accounts()
    root = Path(tempfile.mkdtemp(prefix=f"tandem-dovecot-{uuid.uuid4().hex[:6]}-"))
    root.chmod(0o755)  # the mail user must reach its Maildir below
    port = _free_port()
    for sub in ("run", "state"):
        (root / sub).mkdir()
    mail = root / "mail"
    mail.mkdir()
    os.chown(mail, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            internal=internal,
            internal_group="root" if os.geteuid() == 0 else _group_name(),
            login=login,
            uid=uid,
            gid=gid,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() reaches every child
    )
    server = Dovecot(root=root, port=port, uid=uid, gid=gid, process=process)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _group_name() -> str:
    return grp.getgrgid(os.getegid()).gr_name


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with start_dovecot() as server:
        yield server

"""A real Dovecot IMAP server for the tests (Debian's dovecot-imapd).

Started in the foreground (`dovecot -F -c conf`, no systemd) on a free loopback port with
its own configuration directory, a passwd-file user and a maildir in a fresh temporary
directory; waits are bounded and the server is always stopped. Dovecot refuses to serve
mail as root, so the maildir belongs to `nobody`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.conftest import require

USER = "support@vigil.test"
PASSWORD = "imap-secret-9"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
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
service imap {{
  process_limit = 100
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="vigil-dovecot-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        nobody = pwd.getpwnam("nobody")
        os.chmod(self.root, 0o755)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        os.chown(self.root / "mail", nobody.pw_uid, nobody.pw_gid)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(
            CONFIG.format(root=self.root, port=self.port, uid=nobody.pw_uid, gid=nobody.pw_gid)
        )
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer within 15 s: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a mail into the mailbox, as the mail server would."""
        client = self.client()
        try:
            client.append(folder, raw)
        finally:
            client.logout()

    def url(self, **query: str) -> str:
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX" + (
            f"?{tail}" if tail else ""
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    require(binary is not None, "Dovecot is not installed (apt-get install dovecot-imapd)")
    assert binary is not None
    server = Dovecot(binary)
    try:
        server.start()
        yield server
    finally:
        server.stop()

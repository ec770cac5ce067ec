"""A real IMAP server for the tests: Debian's Dovecot, run from a temporary folder on loopback with a test
user and a config of its own (never /etc/dovecot). IMAP on one port (plain, for loopback) and IMAPS on
another, with a throwaway certificate that a test trusts through ``?cafile=``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

NOBODY = 65534  # nobody:nogroup: Dovecot drops to numeric ids from the passwd-file


def binaries() -> str | None:
    return shutil.which("dovecot") or (os.path.exists("/usr/sbin/dovecot") and "/usr/sbin/dovecot") or None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    def __init__(self, folder: Path, user: str = "reports", password: str = "s3cret-imap"):
        self.folder, self.user, self.password = folder, user, password
        self.port, self.tls_port = _free_port(), _free_port()
        folder.chmod(0o755)  # Dovecot's auth process runs as nobody and reads the passwd-file in it
        for name in ("run", "state", "mail"):
            (folder / name).mkdir(parents=True)
        self.cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                        str(self.cert)], check=True, capture_output=True)
        hashed = subprocess.run(["doveadm", "pw", "-s", "SHA512-CRYPT", "-p", password], check=True,
                                capture_output=True, text=True).stdout.strip()
        home = folder / "mail" / user
        (folder / "passwd").write_text(f"{user}:{hashed}:{NOBODY}:{NOBODY}::{home}::\n")
        (folder / "dovecot.conf").write_text(f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {folder}/dovecot.log
default_internal_user = nobody
default_login_user = nobody
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=CRYPT username_format=%u {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        self.maildir = home / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(folder / "mail")], check=True)
        # it daemonises: its children must not hold a pipe of ours open
        subprocess.run(["dovecot", "-c", str(folder / "dovecot.conf")], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: " + (folder / "dovecot.log").read_text(errors="replace"))

    def deliver(self, raw: bytes) -> None:
        """Put one mail in the test user's INBOX, as the server's own delivery would."""
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, NOBODY, NOBODY)
        os.rename(tmp, self.maildir / "new" / name)

    def clear(self) -> None:
        for sub in ("new", "cur"):
            for file in (self.maildir / sub).iterdir():
                file.unlink()

    def url(self, tls: bool = False) -> str:
        if tls:
            return f"imaps://{self.user}@127.0.0.1:{self.tls_port}/INBOX?cafile={self.cert}"
        return f"imap://{self.user}@127.0.0.1:{self.port}/INBOX?cafile={self.cert}"  # STARTTLS

    def stop(self) -> None:
        pid_file = self.folder / "run" / "master.pid"
        if pid_file.exists():
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)

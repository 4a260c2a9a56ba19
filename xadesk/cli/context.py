"""What every command needs: output, prompts, and a logged-in core context opened on demand."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. Every command builds a CliContext; only those that open the database
# load the login service (SQLCipher, SQLAlchemy), so `xadesk --help` and `xadesk score` stay quick.


class CliContext:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._ctx = None

    # --- output ----------------------------------------------------------------------------------
    def out(self, text: str = "") -> None:
        print(text)

    def stdout(self):
        """The stream for large output written piece by piece (``out`` takes one text)."""
        return sys.stdout

    def error(self, text: str) -> None:
        print(text, file=sys.stderr)

    def json(self, obj: Any) -> None:
        print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))

    # --- input -----------------------------------------------------------------------------------
    def secret(self, prompt: str, env: str) -> str:
        """A password or passphrase: from ``env`` for scripts, else a prompt; never from argv."""
        value = os.environ.get(env)
        if value is not None:
            return value
        if not sys.stdin or not sys.stdin.isatty():
            raise UserError(f"需要{prompt}：请在终端中运行，或设置环境变量 {env}。",
                            f"{prompt} needed: run in a terminal or set {env}.")
        return getpass.getpass(f"{prompt}: ")

    def new_secret(self, prompt: str, env: str) -> str:
        value = os.environ.get(env)
        if value is not None:
            return value
        first = self.secret(prompt, env)
        again = getpass.getpass(msg("再次输入: ", "Again: "))
        if first != again:
            raise UserError("两次输入的密码不一致。", "The two entries differ.")
        return first

    def login_name(self) -> str:
        login = getattr(self.args, "user", None) or os.environ.get("XADESK_USER")
        if login:
            return login
        if sys.stdin and sys.stdin.isatty():
            return input(msg("登录名: ", "Login: ")).strip()
        raise UserError("请用 --user 或环境变量 XADESK_USER 指定登录名。", "Give the login with --user or XADESK_USER.")

    # --- the database ----------------------------------------------------------------------------
    def db_path(self) -> Path:
        from ..paths import database_path

        return database_path(getattr(self.args, "db", None))

    def session(self):
        """Log in once per command and return the core ``AppContext``."""
        if self._ctx is None:
            from ..services.login import login, login_notices

            login_name = self.login_name()
            password = self.secret(msg("密码", "Password"), "XADESK_PASSWORD")
            self._ctx = login(self.db_path(), login_name, password)
            for line in login_notices(self._ctx):
                self.error(line)
        return self._ctx

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None

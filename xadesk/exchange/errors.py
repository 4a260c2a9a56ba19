"""What a teacher is told when an exchange file cannot be used.

Each case has its own class so the GUI and the command line can react to it (e.g. offer to retype
the passphrase only after :class:`WrongPassphrase`), and its own message in plain words. FORMAT.md
lists which byte-level condition raises which class. Nothing in a file that raised one of these has
been imported.
"""

from __future__ import annotations

from ..errors import UserError

KIND_LABELS: dict[str, tuple[str, str]] = {
    "archive": ("学生成长档案转移文件", "student archive transfer file"),
    "lab_kit": ("机房筛查包", "lab screening kit"),
    "lab_pack": ("机房结果包", "lab result pack"),
    "class_pack": ("班级包", "class pack"),
    "class_return": ("班级包交回文件", "class pack return"),
    "district_aggregate": ("学校上报区县的汇总文件", "school aggregate file for the district"),
}


def kind_label(kind: str) -> tuple[str, str]:
    return KIND_LABELS.get(kind, (f"“{kind}”类交换文件", f"exchange file of kind '{kind}'"))


class ExchangeError(UserError):
    """Base of every refusal to read an exchange file."""


class ExchangeUnreadable(ExchangeError):
    """The operating system would not give us the file (missing, no permission, a folder…)."""

    def __init__(self, name: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"无法读取文件“{name}”：{reason_zh}", f"Cannot read the file '{name}': {reason_en}")


class NotAnExchangeFile(ExchangeError):
    _DEFAULT = ("此文件不是 XA Desk 交换文件（档案转移文件、机房筛查包或结果包），未导入任何内容。请确认选择了正确的文件。",
                "This is not an XA Desk exchange file (archive transfer file, lab kit or result pack). "
                "Nothing was imported. Please check that you picked the right file.")

    def __init__(self, zh: str | None = None, en: str | None = None) -> None:
        super().__init__(zh or self._DEFAULT[0], en or self._DEFAULT[1])


class ExchangeTooNew(ExchangeError):
    def __init__(self, version: int, supported: int) -> None:
        self.version = version
        super().__init__(
            f"此文件由更新版本的 XA Desk 生成（文件格式第 {version} 版，本软件只支持到第 {supported} 版），未导入任何内容。"
            "请先将 XA Desk 升级到最新版本，再打开此文件。",
            f"This file was made by a newer XA Desk (file format version {version}; this copy supports up to "
            f"version {supported}). Nothing was imported. Please update XA Desk, then open the file again.")


class WrongPassphrase(ExchangeError):
    def __init__(self) -> None:
        super().__init__(
            "口令不正确，未导入任何内容。请核对交接单上的口令后重新输入（不区分大小写，空格和短横线可省略）。",
            "The passphrase is not correct. Nothing was imported. Please check the passphrase on the handover "
            "sheet and type it again (case, spaces and hyphens do not matter).")


class ExchangeTampered(ExchangeError):
    def __init__(self, where_zh: str = "", where_en: str = "") -> None:
        self.where = where_en
        zh_where = f"（{where_zh}）" if where_zh else ""
        en_where = f" ({where_en})" if where_en else ""
        super().__init__(
            f"此文件已损坏或被改动过{zh_where}，为安全起见未导入任何内容。请向对方学校索取一份新的文件，"
            "不要使用这份文件。",
            f"This file is damaged or has been altered{en_where}. For safety nothing was imported. Please ask the "
            "sending school for a fresh copy and do not use this one.")


class ExchangeTruncated(ExchangeError):
    def __init__(self) -> None:
        super().__init__(
            "此文件不完整（文件末尾缺失，可能复制或下载未完成），未导入任何内容。请重新复制原文件；"
            "若仍不行，请向对方学校索取一份新的文件。",
            "This file is incomplete (its end is missing; the copy or download may not have finished). Nothing "
            "was imported. Please copy the original file again, or ask the sending school for a fresh copy.")


class WrongExchangeKind(ExchangeError):
    def __init__(self, actual: str, expected: str) -> None:
        self.actual = actual
        self.expected = expected
        a_zh, a_en = kind_label(actual)
        e_zh, e_en = kind_label(expected)
        super().__init__(
            f"这是一个{a_zh}，不是{e_zh}，未导入任何内容。请在对应的功能中打开它，或选择正确的文件。",
            f"This is a {a_en}, not a {e_en}. Nothing was imported. Please open it with the matching function, "
            "or pick the right file.")


class PassphraseTooShort(ExchangeError):
    def __init__(self, minimum: int) -> None:
        super().__init__(
            f"口令太短：至少需要 {minimum} 个字符（不计空格和短横线）。建议使用软件生成的口令。",
            f"The passphrase is too short: at least {minimum} characters are needed (not counting spaces and "
            "hyphens). Using the generated passphrase is recommended.")


class ExchangeMissingEntry(ExchangeError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"文件中缺少“{name}”部分，可能由不兼容的软件生成，未导入任何内容。",
                         f"The file has no '{name}' part; it may come from incompatible software. Nothing was "
                         "imported.")


class ExchangeWriteFailed(UserError):
    """Writing an exchange file failed; nothing was left under the final name."""

    def __init__(self, name: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"无法写入文件“{name}”：{reason_zh}。未留下不完整的文件，原有同名文件（如有）未被改动。",
                         f"Cannot write the file '{name}': {reason_en}. No partial file was left behind and an "
                         "existing file of that name (if any) is unchanged.")


def os_reason(exc: OSError) -> tuple[str, str]:
    """A teacher-level reason for an operating-system error."""
    import errno

    if isinstance(exc, FileNotFoundError):
        return "文件或文件夹不存在", "the file or folder does not exist"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件", "this is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "没有访问权限", "permission denied"
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足", "the disk is full"
    if exc.errno == errno.EROFS:
        return "磁盘是只读的", "the disk is read-only"
    return "读写出错（U 盘是否已拔出？）", "an input/output error (was the USB drive removed?)"

"""Why a class pack or a return cannot be used, each case with its own words (nothing was changed)."""

from __future__ import annotations

from datetime import date

from ..errors import UserError


class PackExpired(UserError):
    def __init__(self, expires_on: date) -> None:
        super().__init__(
            f"这个班级包已于 {expires_on.isoformat()} 过期，不能再打开。已保存的记录仍在本机的加密记录文件中，"
            "不会丢失：请向心理老师领取新的班级包，放在同一文件夹中打开，未交回的记录会自动接上。",
            f"This class pack expired on {expires_on.isoformat()} and cannot be opened. Entries already saved stay "
            "in the encrypted journal on this PC: ask the counselor for a new pack and open it from the same folder.")


class PackTampered(UserError):
    def __init__(self) -> None:
        super().__init__("这个班级包已损坏或被改动过，为安全起见不能打开。请向心理老师重新领取班级包。",
                         "This class pack is damaged or was altered; it cannot be opened. Ask the counselor for a "
                         "new one.")


class PackWrongPassphrase(UserError):
    def __init__(self) -> None:
        super().__init__("班级包口令不正确。请核对口令条上的口令后重新输入（不区分大小写，空格和短横线可省略）。",
                         "The class pack passphrase is not correct. Check the slip and type it again.")


class PackForeignSchool(UserError):
    def __init__(self, school_name: str) -> None:
        super().__init__(f"这个文件来自另一所学校（{school_name}），不是本校发出的班级包，未做任何更改。",
                         f"This file comes from another school ({school_name}); nothing was changed.")


class NotAClassPack(UserError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"这不是班级包，而是{what_zh}。请选择心理老师发给您的班级包文件。",
                         f"This is not a class pack but {what_en}. Pick the class pack the counselor gave you.")


class ReturnTampered(UserError):
    def __init__(self) -> None:
        super().__init__("这个交回文件已损坏或被改动过，未导入任何内容。请班主任在自己电脑上重新生成交回文件。",
                         "This return file is damaged or was altered; nothing was imported. Ask the teacher to "
                         "make the return again.")


class ReturnWrongPassphrase(UserError):
    def __init__(self) -> None:
        super().__init__("交回文件的口令不正确，未导入任何内容。交回文件使用该班级包的口令，请核对口令条后重新输入。",
                         "The return's passphrase is not correct; nothing was imported. A return uses its class "
                         "pack's passphrase.")


class ReturnForeignSchool(UserError):
    def __init__(self, school_name: str) -> None:
        super().__init__(f"这个交回文件来自另一所学校（{school_name}）的班级包，未导入任何内容。",
                         f"This return belongs to a class pack of another school ({school_name}); nothing was "
                         "imported.")


class ReturnExpired(UserError):
    def __init__(self, expires_on: date) -> None:
        super().__init__(
            f"这个交回文件是在班级包过期（{expires_on.isoformat()}）之后生成的，未导入任何内容。请给班主任导出新的"
            "班级包，班主任在同一文件夹中打开后重新生成交回文件，记录不会丢失。",
            f"This return was made after its class pack expired ({expires_on.isoformat()}); nothing was imported. "
            "Export a fresh pack for the teacher and have the return made again; no entry is lost.")


class ReturnUnknownSeries(UserError):
    def __init__(self) -> None:
        super().__init__("本校数据库中找不到发出这个班级包的记录（可能数据库已从较早的备份恢复），未导入任何内容。",
                         "This database has no record of the class pack behind this return; nothing was imported.")


class NotAReturn(UserError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"这不是班主任交回的文件，而是{what_zh}，未导入任何内容。",
                         f"This is not a teacher's return but {what_en}; nothing was imported.")


class TooNew(UserError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"这个{what_zh}由更新版本的 XA Desk 生成，本软件无法读取，未做任何更改。请先将 XA Desk 升级到最新版本。",
                         f"This {what_en} was made by a newer XA Desk; nothing was changed. Please update XA Desk.")


class JournalDamaged(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"本机的班级包记录文件 {name} 已损坏或被改动过，无法继续使用。请不要删除它，联系心理老师处理；"
            "紧急情况请直接打电话。",
            f"The class pack journal {name} on this PC is damaged or was altered. Do not delete it; ask the "
            "counselor.")

"""``xadesk user add|passwd|list|roles|disable``: accounts (administrators)."""

from __future__ import annotations

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("user", help=msg("账号管理", "accounts"))
    sub = p.add_subparsers(dest="user_cmd", metavar="ACTION", required=True)

    a = sub.add_parser("add", help=msg("新建账号", "add an account"))
    a.add_argument("login")
    a.add_argument("--role", action="append", required=True,
                   help="admin | counselor | leader | grade_leader | homeroom " + msg("（可多次）", "(repeatable)"))
    a.add_argument("--grade", action="append", default=[], help=msg("年级组长负责的年级", "grade(s) a grade leader leads"))
    a.add_argument("--class", dest="classes", action="append", default=[],
                   help=msg("班主任负责的班级，如 七年级(3)班", "class(es) of a homeroom teacher"))
    a.add_argument("--name", help=msg("姓名", "display name"))
    a.set_defaults(func=run_add)

    pw = sub.add_parser("passwd", help=msg("修改自己的密码，或（管理员）重置他人密码", "change or reset a password"))
    pw.add_argument("login")
    pw.set_defaults(func=run_passwd)

    ls = sub.add_parser("list", help=msg("列出账号", "list accounts"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    d = sub.add_parser("disable", help=msg("停用账号", "disable an account"))
    d.add_argument("login")
    d.set_defaults(func=run_disable)


def role_specs(ctx, role_names: list[str], grades: list[str], classes: list[str]):
    from ..domain.grades import parse_grade
    from ..services import roles
    from ..services.accounts import RoleSpec
    from ..services.roster import resolve_class

    specs = []
    for name in role_names:
        role = roles.parse_role(name)
        if role is None:
            raise UserError(f"未知角色：{name}（可选 admin, counselor, leader, grade_leader, homeroom）",
                            f"Unknown role: {name}", field="role")
        if role == roles.GRADE_LEADER:
            if not grades:
                raise UserError("年级组长需要 --grade。", "grade_leader needs --grade.", field="grade")
            specs += [RoleSpec(role, grade_code=parse_grade(g)) for g in grades]
        elif role == roles.HOMEROOM:
            if not classes:
                raise UserError("班主任需要 --class。", "homeroom needs --class.", field="class")
            with ctx.db.read() as s:
                specs += [RoleSpec(role, class_id=resolve_class(s, c).id) for c in classes]
        else:
            specs.append(RoleSpec(role))
    return specs


def run_add(args, cli) -> int:
    from ..services.accounts import add_user

    ctx = cli.session()
    specs = role_specs(ctx, args.role, args.grade, args.classes)
    password = cli.new_secret(msg(f"{args.login} 的初始密码", f"Initial password for {args.login}"),
                              "XADESK_NEW_PASSWORD")
    row = add_user(ctx, args.login, args.name or args.login, specs, password)
    cli.out(msg(f"已新建账号 {row.login}：{'、'.join(row.roles)}", f"Account {row.login} created: {', '.join(row.roles)}"))
    _tell_grant_pending(ctx, cli, row.login)
    return 0


def _tell_grant_pending(ctx, cli, login: str) -> None:
    from ..compartment.access import GRANT_PENDING
    from ..services.accounts import counselling_grant_pending

    if counselling_grant_pending(ctx, login):
        cli.out(GRANT_PENDING)


def run_passwd(args, cli) -> int:
    from ..services.accounts import change_own_password, reset_password
    from ..services.login import normalise_login

    ctx = cli.session()
    if normalise_login(args.login) == ctx.actor.login:
        old = cli.secret(msg("当前密码", "Current password"), "XADESK_PASSWORD")
        new = cli.new_secret(msg("新密码", "New password"), "XADESK_NEW_PASSWORD")
        change_own_password(ctx, old, new)
    else:
        new = cli.new_secret(msg(f"{args.login} 的新密码", f"New password for {args.login}"), "XADESK_NEW_PASSWORD")
        reset_password(ctx, args.login, new)
    cli.out(msg("密码已更新。", "Password updated."))
    _tell_grant_pending(ctx, cli, args.login)
    return 0


def run_list(args, cli) -> int:
    from ..services.accounts import list_users

    users = list_users(cli.session())
    if args.json:
        cli.json([{"login": u.login, "name": u.display_name, "active": u.active, "roles": list(u.role_codes),
                   "role_labels": list(u.roles), "last_login_at": u.last_login_at} for u in users])
    else:
        for u in users:
            state = "" if u.active else msg("（已停用）", " (disabled)")
            cli.out(f"{u.login:<16} {u.display_name:<10} {'、'.join(u.roles)}{state}")
    return 0


def run_disable(args, cli) -> int:
    from ..services.accounts import deactivate

    deactivate(cli.session(), args.login)
    cli.out(msg(f"已停用 {args.login}。", f"{args.login} disabled."))
    cli.out(msg("如果此人以前可能复制过钥匙文件，请轮换数据库密钥：xadesk keys rotate（需要打印的恢复密钥）。",
                "If this person may have copied the key file earlier, rotate the database key: xadesk keys rotate "
                "(needs the printed recovery key)."))
    return 0

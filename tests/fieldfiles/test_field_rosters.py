"""Registry rosters as schools bring them (tests/fieldfiles/build.py): a title row, every 身份证件类型,
就读方式, the registry's yes/no group columns, the class notations of real files; the plan lists the
columns read and the columns not used."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.fieldfiles.build import registry_roster
from xadesk.roster.parse import RosterInvalid
from xadesk.services.roster_import import import_roster, preview
from xadesk.storage.models import SchoolClass, Student

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ident(region: str, birth: str, seq: str) -> str:
    """A GB 11643 number written out by hand (ISO 7064 MOD 11-2), independent of xadesk's own."""
    body = region + birth + seq
    s = sum(int(ch) * w for ch, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[s % 11]


RESIDENT = ident("610113", "20130405", "031")
HK_PERMIT = ident("810000", "20130611", "042")
TW_PERMIT = ident("830000", "20121120", "022")
PERMANENT = ident("931156", "20130302", "011")
HOUSEHOLD = ident("610104", "20130909", "051")


def student(name, sex, birth, doc_type, doc_no, no, grade, cls, **more):
    return {"name": name, "sex": sex, "birth": birth, "doc_type": doc_type, "doc_no": doc_no, "student_no": no,
            "grade": grade, "class": cls, **more}


REGISTRY = [
    student("秦朗", "男", "2013-04-05", "居民身份证", RESIDENT, "G" + RESIDENT, "七年级", "七(1)班", boarding="住校",
            left_behind="双亲留守儿童"),
    student("何嘉欣", "女", "2013-06-11", "港澳台居民居住证", HK_PERMIT, "J" + HK_PERMIT, "", "701班",
            left_behind="单亲留守儿童"),
    student("陈思远", "女", "2012-11-20", "港澳台居民居住证", TW_PERMIT, "J" + TW_PERMIT, "", "八(4)班", migrant="是"),
    student("安德鲁", "男", "2013-03-02", "外国人永久居留身份证", PERMANENT, "L93115620130302" + "0117", "", "初一（１）班"),
    student("李安娜", "女", "2013-01-15", "护照", "E12345678", "L610113201301150022", "", "903"),
    student("林嘉豪", "男", "2012-08-08", "台湾居民来往大陆通行证", "01234567", "L610113201208080031", "", "805",
            disability="视力残疾"),
    student("王子涵", "男", "2013-09-09", "户口簿", HOUSEHOLD, "G" + HOUSEHOLD, "", "2026级1班", orphan="是"),
]


def stored(ctx) -> dict[str, Student]:
    with ctx.db.read() as s:
        out = {}
        for st in s.scalars(select(Student)):
            cls = s.get(SchoolClass, st.class_id)
            st.__dict__["class_key"] = (cls.grade_code, cls.number)
            st.__dict__["tag_rows"] = [(t.tag, t.cleared_on is None) for t in st.tags]
            out[st.name] = st
        return out


def test_every_document_type_class_notation_and_group_column(small_school, tmp_path):
    ctx = small_school.admin
    path = registry_roster(tmp_path / "学籍系统导出.xlsx", REGISTRY)
    plan = preview(ctx, path)
    assert len(plan.new) == 7
    read = dict(plan.columns_read)
    assert read["就读方式"] == "是否住校" and read["身份证件类型"] == "证件类型" and read["是否留守儿童"] == "是否留守儿童"
    assert "是否进城务工人员随迁子女" in read and "是否残疾" in read and "是否孤儿" in read
    assert plan.columns_ignored == ["序号", "健康状况", "民族", "监护人姓名", "监护人身份证件号", "家庭住址"]
    assert "未使用的列：序号、健康状况、民族、监护人姓名、监护人身份证件号、家庭住址" in plan.summary()

    import_roster(ctx, path, today=date(2026, 11, 29))
    got = stored(ctx)
    expect = {
        "秦朗": ("resident", RESIDENT, ("J1", 1), True, {"left_behind"}),
        "何嘉欣": ("hmt_residence", HK_PERMIT, ("J1", 1), False, {"left_behind"}),
        "陈思远": ("hmt_residence", TW_PERMIT, ("J2", 4), False, {"migrant"}),
        "安德鲁": ("foreign_permanent", PERMANENT, ("J1", 1), False, set()),
        "李安娜": ("passport", "E12345678", ("J3", 3), False, set()),
        "林嘉豪": ("tw_permit", "01234567", ("J2", 5), False, {"disability"}),
        "王子涵": ("household", HOUSEHOLD, ("J1", 1), False, {"orphan"}),     # 2026级: the school has only 初中
    }
    for name, (doc, number, cls, boarding, tags) in expect.items():
        st = got[name]
        assert (st.id_type, st.id_number, st.__dict__["class_key"], st.boarding) == (doc, number, cls, boarding), name
        assert {t for t, active in st.__dict__["tag_rows"] if active} == tags, name
    assert got["何嘉欣"].birth_date == date(2013, 6, 11) and got["何嘉欣"].sex == "F"   # from the permit's number


@pytest.mark.parametrize("doc_type, number, fragment", [
    ("港澳台居民居住证", HK_PERMIT[:-1] + ("0" if HK_PERMIT[-1] != "0" else "1"), "校验"),
    ("港澳台居民居住证", RESIDENT, "81"),                       # a mainland number under the permit's name
    ("护照", "E1234 5678!", "字母或数字"),
    ("军官证", "12345", "证件类型"),
])
def test_bad_documents_are_refused_without_echoing_the_number(small_school, tmp_path, doc_type, number, fragment):
    rows = [student("何嘉欣", "女", "2013-06-11", doc_type, number, "L610113201306110027", "", "七(1)班")]
    path = registry_roster(tmp_path / "r.xlsx", rows)
    with pytest.raises(RosterInvalid) as exc:
        import_roster(small_school.admin, path)
    text = exc.value.full_text()
    assert fragment in text and "第3行" in text
    assert number.replace(" ", "").replace("!", "") not in text or len(number) < 10
    with small_school.admin.db.read() as s:
        assert s.scalar(select(Student).where(Student.name == "何嘉欣")) is None


def test_a_group_column_clears_only_its_own_tag_and_keeps_history(small_school, tmp_path):
    ctx = small_school.admin
    first = [dict(REGISTRY[0], migrant="是")]                    # 留守 and 随迁 both set
    import_roster(ctx, registry_roster(tmp_path / "a.xlsx", first), today=date(2026, 9, 1))
    # the next registry export has no 随迁 column at all, and 是否留守儿童 = 否
    later = tmp_path / "b.xlsx"
    registry_roster(later, [dict(REGISTRY[0], left_behind="否")])
    import openpyxl

    wb = openpyxl.load_workbook(later)
    ws = wb.active
    ws.delete_cols(12)                                           # 是否进城务工人员随迁子女
    wb.save(later)
    import_roster(ctx, later, today=date(2026, 11, 29))
    st = stored(ctx)["秦朗"]
    assert sorted(st.__dict__["tag_rows"]) == [("left_behind", False), ("migrant", True)]


def test_an_ambiguous_cohort_class_is_refused_in_a_school_with_two_stages(small_school, tmp_path):
    ctx = small_school.admin
    with ctx.db.write() as s:
        s.add(SchoolClass(grade_code="P4", number=1, active=True))
    path = registry_roster(tmp_path / "r.xlsx", [REGISTRY[-1]])
    with pytest.raises(RosterInvalid) as exc:
        import_roster(ctx, path, today=date(2026, 11, 29))
    assert "都有这一级" in exc.value.full_text()


def test_the_student_record_names_the_document(small_school, tmp_path):
    from xadesk.services.roster import get_student

    ctx = small_school.admin
    import_roster(ctx, registry_roster(tmp_path / "r.xlsx", REGISTRY[3:5]), today=date(2026, 11, 29))
    ids = {st.name: st.id for st in stored(ctx).values()}
    passport = get_student(ctx, ids["李安娜"])
    assert (passport.id_type_label, passport.id_number) == ("护照", "E12345678")
    assert get_student(ctx, ids["林一鸣"]).id_type_label == "居民身份证"

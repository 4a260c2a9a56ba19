from collections import Counter
from datetime import date

from xadesk.domain import grades
from xadesk.domain.idnumbers import parse_id_number, parse_student_no
from xadesk.domain.synthetic import DEMO_CLASSES, bench_students, demo_students, generate_students

TODAY = date(2026, 10, 1)  # school year 2026-2027


def test_same_seed_same_school():
    assert demo_students(today=TODAY) == demo_students(today=TODAY)
    assert demo_students(seed=1, today=TODAY) != demo_students(seed=2, today=TODAY)


def test_demo_school_shape():
    students = demo_students(today=TODAY)
    assert len(DEMO_CLASSES) == 30
    assert {r.grade_code for r in students} == {"P4", "P5", "P6", "J1", "J2", "J3"}
    assert 1100 <= len(students) <= 1300


def test_every_student_is_valid_and_unique():
    students = generate_students([("P1", 1), ("J3", 2), ("S1", 1), ("V2", 1)], per_class=60, today=TODAY)
    assert len({r.id_number for r in students}) == len(students)
    assert len({r.student_no for r in students}) == len(students)
    for r in students:
        info = parse_id_number(r.id_number, today=TODAY)
        assert info.sex == r.sex and info.birth_date == r.birth_date
        assert info.region.startswith("6101")
        assert parse_student_no(r.student_no).id_number == info
        assert 2 <= len(r.name) <= 3


def test_birth_dates_fit_the_grade():
    for r in generate_students([(g.code, 1) for g in grades.GRADES], per_class=40, today=TODAY):
        level = grades.grade(r.grade_code).level
        age_on_sept_1 = 2026 - r.birth_date.year - ((r.birth_date.month, r.birth_date.day) > (9, 1))
        assert level + 5 <= age_on_sept_1 <= level + 6, (r.grade_code, r.birth_date)


def test_some_special_groups_and_boarders():
    students = bench_students(5000, today=TODAY)
    assert len(students) == 5000
    tags = Counter(t for r in students for t in r.tags)
    assert tags["left_behind"] > 100 and tags["single_parent"] > 100
    assert 0 < sum(bool(r.boarding) for r in students) < 5000

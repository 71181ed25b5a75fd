"""The policy file and the user -> role -> scope mapping, as a table of cases."""

import pytest

from tilannekuva.access import AccessError, NoRoleError, build_principal, load_policy
from tilannekuva.settings import PROJECT_ROOT

POLICY = load_policy(PROJECT_ROOT / "roles.yaml")
USERS = {
    "lead": {"role": "sector_lead"},
    "head": {"role": "principal", "units": [102, 101, 102]},
    "teach": {"role": "teacher", "staff_id": 42},
    "root": {"role": "admin"},
    "nobody": {},
    "ghost": {"role": "wizard"},
    "headless": {"role": "principal"},
    "teacherless": {"role": "teacher"},
}


@pytest.mark.parametrize(
    "username, role, scope, units, staff, pupil_rows, suppress, pages",
    [
        (
            "lead",
            "sector_lead",
            "all",
            (),
            None,
            False,
            True,
            (
                "sector_overview",
                "sector_scorecard",
                "sector_metric",
                "sector_support",
                "sector_units",
                "metric_catalogue",
                "my_notifications",
            ),
        ),
        (
            "head",
            "principal",
            "units",
            (101, 102),
            None,
            True,
            False,
            (
                "principal_unit",
                "principal_staff",
                "principal_support",
                "principal_eservices",
                "metric_catalogue",
                "my_notifications",
            ),
        ),
        (
            "teach",
            "teacher",
            "groups",
            (),
            42,
            True,
            False,
            ("teacher_groups", "teacher_watch", "teacher_me", "metric_catalogue", "my_notifications"),
        ),
        (
            "root",
            "admin",
            "all",
            (),
            None,
            False,
            True,
            ("admin_status", "admin_loads", "admin_access_log", "admin_users", "metric_catalogue", "my_notifications"),
        ),
    ],
)
def test_principal_of_each_role(username, role, scope, units, staff, pupil_rows, suppress, pages):
    p = build_principal(username, username.title(), USERS, POLICY)
    assert (p.role, p.scope, p.unit_ids, p.staff_id, p.pupil_rows, p.suppress_pupil_aggregates, p.pages) == (
        role,
        scope,
        units,
        staff,
        pupil_rows,
        suppress,
        pages,
    )
    hash(p)  # part of every cache key


@pytest.mark.parametrize("username", ["nobody", "ghost", "headless", "teacherless", "unknown"])
def test_users_without_a_usable_role_are_refused(username):
    with pytest.raises(NoRoleError):
        build_principal(username, username, USERS, POLICY)


def test_a_role_with_no_pages_is_refused(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("roles:\n  empty: {pages: [], scope: all}\npages: {}\n")
    with pytest.raises(NoRoleError, match="grants no pages"):
        build_principal("x", "x", {"x": {"role": "empty"}}, load_policy(roles))


@pytest.mark.parametrize(
    "text, message",
    [
        ("roles:\n  r: {pages: [nope], scope: all}\npages: {}\n", "not declared"),
        ("roles:\n  r: {pages: [], scope: everything}\npages: {}\n", "scope"),
        ("roles: [unclosed\n", "Cannot read"),
        ("roles:\n  r: {pages: [], scope: all, may_view_as: 'yes'}\npages: {}\n", "may_view_as"),
        ("roles:\n  r: {pages: [], scope: all, has_own_pupils: 1}\npages: {}\n", "has_own_pupils"),
    ],
)
def test_malformed_policies_name_the_problem(tmp_path, text, message):
    roles = tmp_path / "roles.yaml"
    roles.write_text(text)
    with pytest.raises(AccessError, match=message):
        load_policy(roles)


@pytest.mark.parametrize(
    "username, may_view_as, has_own_pupils",
    [
        ("lead", False, False),
        ("head", False, True),
        ("teach", False, True),
        ("root", True, False),
    ],
)
def test_capabilities_of_each_role_come_from_roles_yaml(username, may_view_as, has_own_pupils):
    p = build_principal(username, username, USERS, POLICY)
    assert (p.may_view_as, p.has_own_pupils) == (may_view_as, has_own_pupils)


@pytest.mark.parametrize(
    "spec, may_view_as, has_own_pupils",
    [
        ("{pages: [p], scope: all}", False, False),  # absent: no
        ("{pages: [p], scope: all, may_view_as: true}", True, False),
        ("{pages: [p], scope: all, has_own_pupils: true}", False, True),
        ("{pages: [p], scope: all, may_view_as: false, has_own_pupils: false}", False, False),
    ],
)
def test_capabilities_are_read_from_the_role_not_its_name(tmp_path, spec, may_view_as, has_own_pupils):
    roles = tmp_path / "roles.yaml"
    roles.write_text(f"roles:\n  admin: {spec}\npages: {{p: {{}}}}\n")  # even a role named admin
    p = build_principal("x", "x", {"x": {"role": "admin"}}, load_policy(roles))
    assert (p.may_view_as, p.has_own_pupils) == (may_view_as, has_own_pupils)


def test_every_page_in_the_policy_has_a_page_file_and_back():
    files = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py")}
    declared = set(POLICY.page_icons)
    assert files == declared


@pytest.mark.parametrize(
    "username, role, scope, units, staff, pages",
    [
        ("ghost", None, None, (), None, ()),  # an unknown role: listed, with no role
        ("head", "principal", "units", (101, 102), None, POLICY.roles["principal"].pages),
        ("headless", None, None, (), None, ()),  # a principal without units cannot sign in
        ("lead", "sector_lead", "all", (), None, POLICY.roles["sector_lead"].pages),
        ("nobody", None, None, (), None, ()),
        ("root", "admin", "all", (), None, POLICY.roles["admin"].pages),
        ("teach", "teacher", "groups", (), 42, POLICY.roles["teacher"].pages),
        ("teacherless", None, None, (), None, ()),  # a teacher without a staff record
    ],
)
def test_the_user_list_shows_the_access_each_user_would_get(username, role, scope, units, staff, pages):
    from tilannekuva.access import effective_access

    listed = {a.username: a for a in effective_access(USERS, POLICY)}
    assert list(listed) == sorted(USERS)  # everyone in the users file, by username
    a = listed[username]
    assert (a.role, a.scope, a.unit_ids, a.staff_id, a.pages, a.may_sign_in) == (
        role,
        scope,
        units,
        staff,
        pages,
        role is not None,
    )

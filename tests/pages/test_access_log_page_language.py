"""Review of issue 17, language (brief: every text through the catalog in fi/sv/en; codes shown as words).

The admin's access-log page in Swedish still shows Streamlit's English default in its action filter
("Choose options") and the log's roles as raw codes ('principal', 'admin') although the catalog has
role.* words (the user page, views/user_admin.py, already labels them)."""

from tests.helpers import open_as, tables_of
from tilannekuva.i18n import t


def _open(demo_env):
    # something in the log first: a principal opens the support signals
    assert not open_as("rehtori", "principal_support").exception
    at = open_as("admin", "admin_access_log", lang="sv")
    assert not at.exception, at.exception
    return at


def test_action_filter_has_no_english_placeholder(demo_env):
    at = _open(demo_env)
    # an empty placeholder makes Streamlit's frontend show its own English "Choose options"
    placeholder = at.multiselect[0].proto.placeholder
    assert placeholder, "no placeholder from the catalog: the Swedish page shows Streamlit's English 'Choose options'"


def test_roles_in_the_log_table_are_words(demo_env):
    at = _open(demo_env)
    table = tables_of(at)[0].value
    roles = set(table[t("col.role", "sv")].dropna())
    assert "principal" not in roles and "admin" not in roles, f"raw role codes in the Swedish log: {roles}"
    assert t("role.principal", "sv") in roles

"""Pages and views cannot hand data to Markdown or Plotly un-escaped (tilannekuva.inert).

A Markdown-rendering Streamlit call (title, header, caption, markdown, metric label, alerts, button
and expander labels, help …) may receive only text that is safe by construction: a literal, a
catalog text `t(key, lang, **params)` whose parameters are safe, numbers and dates formatted by the
i18n helpers, a few helpers that build such text, or data passed through `md()`. Anything else — a
unit name, `year["label"]`, a variable holding who-knows-what — fails this test until it is wrapped
in `md()`. Figures reach Plotly only through the builders in views/figures.py, which escape every
text they put into a figure (tested in tests/security/test_inert_text.py).
"""

import ast

import pytest

from tilannekuva.settings import PROJECT_ROOT

UI_FILES = sorted([*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py"), PROJECT_ROOT / "app.py"])

MARKDOWN_CALLS = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "write",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "metric",
    "expander",
    "tabs",
    "button",
    "download_button",
    "page_link",
    "form_submit_button",
    "checkbox",
    "toggle",
    "radio",
    "selectbox",
    "multiselect",
    "text_input",
    "number_input",
    "slider",
    "pills",
    "segmented_control",
    "popover",
    "link_button",
    "badge",
    "status",
    "write_stream",
}
LABEL_KEYWORDS = {"label", "help", "body", "captions"}
OPTION_MARKDOWN = {"radio", "pills", "segmented_control"}  # their option labels (format_func) render Markdown
# Functions are trusted by their full name (a method of any receiver called `max` is not `max`).
SAFE_FUNCTIONS = {
    "md",
    "t",
    "fmt_number",
    "fmt_percent",
    "fmt_date",
    "fmt_month",
    "len",
    "int",
    "round",
    "max",
    "widgets.metric_value",
    "widgets.metric_delta",
    "widgets.count_or_hidden",
    "widgets.light_badge",
    "widgets.filter_summary",
    "session.language",
    "language",
    "metric_value",
    "metric_delta",
    "count_or_hidden",
    "light_badge",
    "filter_summary",
    "labels.metric_text",
    "labels.hidden_cells",
    "labels.metric_delta",
    "labels.count_or_hidden",
    "labels.light_badge",
    "filters.summary",
    "filters.breadcrumb",
    "page.t",
    "page.lang",
    "metric_text",
}
SAFE_METHODS = {"strftime"}  # dates, with a constant format
# st.html is for the app's own constant HTML: literals, CONSTANTS (or CONSTANTS[lang]), and f-strings of these names only
# (chrome: `lang`, one of three codes, and `click`, a counter; session: `cookie`, URL-safe tokens checked, JSON-quoted).
HTML_NAMES = {"lang", "cookie", "click"}
DATA_KEYS = ("name", "label", "title", "text", "note", "display")  # subscripts that hold source-system text
# Helpers whose result is safe text: escaping, the catalog, number/date formats, and widgets' own
# builders of such text (each of them formats numbers or escapes its data itself): SAFE_FUNCTIONS below.
SAFE_NAMES = {"lang", "metric", "chosen", "m", "kind", "bulk", "broken_at", "threshold"}  # code values, ints
SAFE_ATTRIBUTES = {
    "lang",
    "height",
    "suppressed_cells",
    "suppression_threshold",
    "absence_concern_hours",
    "absence_serious_hours",
    "entry_id",
    "access_log_retention_days",
}  # numbers


def unsafe_parts(node: ast.AST) -> list[str]:
    """The sub-expressions of `node` that could carry data into Markdown unescaped."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values if isinstance(v, ast.FormattedValue) for p in unsafe_parts(v.value)]
    if isinstance(node, ast.BinOp):
        return unsafe_parts(node.left) + unsafe_parts(node.right)
    if isinstance(node, ast.IfExp):
        return unsafe_parts(node.body) + unsafe_parts(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):  # st.tabs([...]): every label is checked
        return [p for e in node.elts for p in unsafe_parts(e)]
    if isinstance(node, ast.Name):
        return [] if node.id in SAFE_NAMES else [ast.unparse(node)]
    if isinstance(node, ast.Attribute):
        return [] if node.attr in SAFE_ATTRIBUTES else [ast.unparse(node)]
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        full = ast.unparse(node.func)
        if full == "md":
            return []
        if (
            isinstance(node.func, ast.Attribute)
            and name in SAFE_METHODS
            and all(isinstance(a, ast.Constant) for a in node.args)
        ):
            return []  # only a date has strftime; its text comes from the constant format
        if name == "join" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant):
            arg = node.args[0] if node.args else None
            if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
                return unsafe_parts(arg.elt)
            return [ast.unparse(node)]
        if full in SAFE_FUNCTIONS:
            # t(key, lang, **params): the key is looked up in the catalog (a missing key comes back escaped);
            # its variable parts must be code values, not names; the parameters must be safe.
            # The other helpers take numbers, dates or code values.
            args = node.args[1:] if name == "t" else []
            key = _key_parts(node.args[0]) if name == "t" and node.args else []
            return key + [p for a in [*args, *(k.value for k in node.keywords)] for p in unsafe_parts(a)]
        return [ast.unparse(node)]
    return [ast.unparse(node)]


def _key_parts(node: ast.AST) -> list[str]:
    """The parts of a catalog key that could be source-system text: a subscript like `unit["name"]`."""
    found = []
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Subscript)
            and isinstance(sub.slice, ast.Constant)
            and any(word in str(sub.slice.value) for word in DATA_KEYS)
        ):
            found.append(ast.unparse(sub))
    return found


# Parameters of widgets' helpers that render what their callers pass; the callers are checked instead
# (kpi_row's labels, chart_block's summary) or the text is built safely in place.
PASS_THROUGH = {"label", "summary", "text", "notice[0]", "note[0]"}


def _kpi_labels(node: ast.AST) -> list[ast.AST]:
    """The texts rendered as Markdown of each (label, value, delta[, note]) item given to sections.kpi_row:
    the label and the note (a caption)."""
    if isinstance(node, ast.BinOp):
        return _kpi_labels(node.left) + _kpi_labels(node.right)
    items = node.elts if isinstance(node, ast.List) else [node.elt] if isinstance(node, ast.ListComp) else [node]
    return [part for i in items for part in ([i.elts[0], *i.elts[3:]] if isinstance(i, ast.Tuple) else [i])]


def unescaped(source: str, pass_through: set[str] = frozenset()) -> list[str]:
    """Markdown-rendering calls in `source` given text that is not safe by construction."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in MARKDOWN_CALLS | {"html"}
            and ast.unparse(node.value.value).startswith("st")
        ):
            found.append(f"line {node.lineno}: an alias of {ast.unparse(node.value)} hides its calls from this check")
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "html":

            def constant(a: ast.AST) -> bool:
                if isinstance(a, ast.JoinedStr):
                    return all(
                        isinstance(v, ast.Constant) or (isinstance(v.value, ast.Name) and v.value.id in HTML_NAMES)
                        for v in a.values
                    )
                if isinstance(a, ast.Subscript):  # a CONSTANT table by language code: LABELS_SCRIPTS[lang]
                    return isinstance(a.value, ast.Name) and a.value.id.isupper() and ast.unparse(a.slice) == "lang"
                return isinstance(a, ast.Constant) or (isinstance(a, ast.Name) and a.id.isupper())

            if not all(constant(a) for a in [*node.args, *(k.value for k in node.keywords if k.arg == "body")]):
                found.append(f"line {node.lineno}: st.html is for the app's own constant HTML, never data")
            continue
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS
        ):
            for k in node.keywords:  # column_config.*(help=…) and any other tooltip
                if k.arg == "help":
                    found += [f"line {node.lineno}: {part} in help=" for part in unsafe_parts(k.value)]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("kpi_row", "chart_block", "chart_with_table", "unit_trend", "by_district")
        ):
            args = _kpi_labels(node.args[0]) if node.func.attr == "kpi_row" and node.args else []
            for arg in [*args, *(k.value for k in node.keywords if k.arg == "summary")]:
                found += [f"line {node.lineno}: {part} in {node.func.attr}" for part in unsafe_parts(arg)]
            continue
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS
        ):
            continue
        receiver = ast.unparse(node.func.value)
        if receiver.split(".")[-1] in ("log", "session", "filters") or receiver.split(".")[0] in (
            "pl",
            "fig",
            "figures",
            "re",
        ):
            continue  # log lines, own helpers of the same name (filters.metric), polars/plotly/regex methods
        first = [] if node.func.attr == "page_link" else node.args[:1]
        if node.func.attr in ("write", "write_stream"):
            first = node.args
        if node.func.attr in OPTION_MARKDOWN:
            for k in node.keywords:
                if k.arg == "format_func" and not (isinstance(k.value, ast.Lambda) and not unsafe_parts(k.value.body)):
                    found.append(
                        f"line {node.lineno}: format_func of {node.func.attr} renders Markdown: "
                        "use a lambda whose text is safe (md(...))"
                    )
        for arg in [*first, *(k.value for k in node.keywords if k.arg in LABEL_KEYWORDS)]:
            for part in unsafe_parts(arg):
                if part in pass_through:
                    continue
                found.append(f"line {node.lineno}: {part} in {ast.unparse(node)[:70]}")
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_no_data_reaches_markdown_unescaped(path):
    allowed = PASS_THROUGH if path.name in ("widgets.py", "sections.py") else set()
    assert unescaped(path.read_text(encoding="utf-8"), allowed) == []


@pytest.mark.parametrize(
    "snippet, caught",
    [
        ('st.title(unit["name"])', True),  # the attack of issue 16
        ('st.title(md(unit["name"]))', False),
        ('st.header(t("groups.pupils_header", lang, group=group["group_name"]))', True),
        ('st.header(t("groups.pupils_header", lang, group=md(group["group_name"])))', False),
        ('column.metric(t("me.hours_year", lang, year=year["label"]), "3")', True),
        ('st.caption(" → ".join(crumbs))', True),
        ('st.caption(" → ".join(md(c) for c in crumbs))', False),
        ('st.markdown("\\n".join(f"- {p.render(lang)}" for p in problems))', True),
        ('st.markdown(f"**{principal.display_name}**")', True),
        ("st.markdown(f\"**{md(principal.display_name)}**  \\n{t('role.' + principal.role, lang)}\")", False),
        ('st.warning(t("viewas.banner", lang, user=viewing.username))', True),
        ('st.caption(t("x.y", lang, hidden=result.suppressed_cells, total=fmt_number(n, lang)))', False),
        ("st.button(label=name)", True),
        ('st.metric(t("k.v", lang), value)', False),  # the value is plain text
        ("st.write(frame)", True),
        ('widgets.kpi_row([(t("groups.pupils_in", lang, group=group["group_name"]), "5", None)])', True),
        ('widgets.kpi_row([(t("k.a", lang), "5", None)] + [(row["sector"], "1", None) for row in rows])', True),
        ('widgets.kpi_row([(t("groups.pupils_in", lang, group=md(group["group_name"])), "5", None)])', False),
        ('widgets.chart_block(fig, table, key="k", summary=t("m.s", lang, best=frame["district"][0]))', True),
        ('widgets.chart_block(fig, table, key="k", summary=t("m.s", lang, best=md(frame["district"][0])))', False),
        ('sections.kpi_row([(page.t("groups.pupils_in", group=group["group_name"]), "5", None)])', True),
        ('sections.kpi_row([(page.t("k.a"), "5", None, unit["name"])])', True),  # the note is a caption
        ('sections.kpi_row([(page.t("k.a"), "5", None, page.t("k.b", n=fmt_number(n, lang)))])', False),
        ('sections.kpi_row([(page.t("groups.pupils_in", group=md(group["group_name"])), "5", None)])', False),
        ('sections.chart_with_table(page, fig, table, key="k", summary=page.t("m.s", best=frame["d"][0]))', True),
        ('sections.by_district(page, f, u, y="v", key="k", summary=page.t("m.s", best=frame["d"][0]))', True),
        ('sections.unit_trend(page, f, "M1", n, summary=page.t("m.s", best=md(frame["d"][0])))', False),
        ('st.header(page.t("x.y", year=year["label"]))', True),
        ('log.warning("refused %s", user)', False),
        ("chosen = filters.metric(page)", False),  # the metric filter, not st.metric
        ('column.metric(page.t("k.v"), row["name"])', False),
        ('column.metric(label=unit["name"], value="3")', True),
        ('st.tabs([page.t("k.a", count=top.height), page.t("k.b")])', False),
        ('st.tabs([page.t("k.a"), unit["name"]])', True),
        ('st.tabs([page.t("k.a", unit=unit["name"])])', True),
    ],
)
def test_the_check_catches_unescaped_data(snippet, caught):
    assert bool(unescaped(snippet)) is caught


FIGURE_SINKS = {"chart_block", "chart_with_table", "plot"}
FIGURE_RECEIVERS = {"widgets", "sections"}


def figure_arguments(source: str) -> list[str]:
    """Figures given to widgets.chart_block/plot that are not built by views/figures.py (a figure made
    elsewhere would skip the builders' escaping); and st.plotly_chart called outside widgets.plot."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "plotly_chart":
            found.append(f"line {node.lineno}: st.plotly_chart outside widgets.plot")
        if node.func.attr in FIGURE_SINKS and ast.unparse(node.func.value) in FIGURE_RECEIVERS and node.args:
            fig = node.args[1] if ast.unparse(node.func.value) == "sections" and len(node.args) > 1 else node.args[0]
            while (
                isinstance(fig, ast.Call)
                and isinstance(fig.func, ast.Attribute)
                and isinstance(fig.func.value, ast.Call)
            ):
                fig = fig.func.value  # figures.x(...).update_yaxes(...)
            if not (
                isinstance(fig, ast.Call)
                and isinstance(fig.func, ast.Attribute)
                and ast.unparse(fig.func.value) == "figures"
            ):
                found.append(f"line {node.lineno}: {ast.unparse(node.args[0])[:60]}")
    return found


@pytest.mark.parametrize("path", sorted(PROJECT_ROOT.glob("pages/*.py")), ids=lambda p: p.name)
def test_pages_chart_only_figures_from_the_builders(path):
    assert figure_arguments(path.read_text(encoding="utf-8")) == []


def test_only_the_plot_section_calls_plotly_chart():
    owners = ("widgets.py", "sections.py")
    calls = {p.name: figure_arguments(p.read_text(encoding="utf-8")) for p in UI_FILES if p.name not in owners}
    assert {name: found for name, found in calls.items() if found} == {}
    for name in owners:
        path = PROJECT_ROOT / "views" / name
        if path.exists():
            source = path.read_text(encoding="utf-8")
            assert source.count("plotly_chart(") == 1 and "st.plotly_chart(figures.localize(fig" in source


@pytest.mark.parametrize(
    "snippet, caught",
    [
        ('widgets.chart_block(figures.grouped_bars(f, x="a"), table, key="k")', False),
        ('widgets.chart_block(figures.share_trend(f).update_yaxes(range=[0, 1]), table, key="k")', False),
        ('widgets.plot(go.Figure(data=[{"x": names}]), key="k")', True),
        ('widgets.chart_block(px.bar(frame, x="unit"), table, key="k")', True),
        ('sections.chart_with_table(page, figures.grouped_bars(f, x="a"), table, key="k")', False),
        ('sections.chart_with_table(page, px.bar(frame, x="unit"), table, key="k")', True),
        ('sections.plot(page, go.Figure(data=[{"x": names}]), key="k")', True),
        ("st.plotly_chart(fig)", True),
    ],
)
def test_the_figure_check_catches_other_figures(snippet, caught):
    assert bool(figure_arguments(snippet)) is caught


def test_the_breadcrumb_escapes_the_names_it_shows():
    """filters.breadcrumb is trusted above: it escapes the district's and the unit's name itself."""
    import types

    import polars as pl

    from tilannekuva.inert import md
    from views import filters

    evil = "![x](https://evil.example/p.png)"
    units = pl.DataFrame(
        {"unit_id": [7], "name": [evil], "district_id": [2], "district_fi": ["[d](https://e.x)"], "district_sv": ["d"]}
    )
    text = filters.breadcrumb(
        types.SimpleNamespace(lang="fi"), {"sector": None, "district_id": 2, "language": None}, units, 7
    )
    assert md(evil) in text and evil not in text and "[d](https://e.x)" not in text

"""The managers' figures page: managers only, the tables show the numbers, the exports carry the same rows.

Two dispensers of 新民市东城加油站 are received by 沈阳市计量测试研究院 on Monday 2026-09-28 (deadline: the 7th
working day after it, 10-13, counting 09-29, 09-30, 10-08, 10-09, 10-10 make-up Saturday, 10-12, 10-13).
One result comes on 10-09 (on time, 4 working days), the other on 10-20 (late, 12 working days).
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from openpyxl import load_workbook

from ..rules_world import applications, complete, received

INSTITUTE = "沈阳市计量测试研究院"


class _Tables(HTMLParser):
    """The text of every table cell, by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _result(app, clock, case_id: int, day: str, number: str) -> None:
    clock.set(f"{day}T10:00:00+08:00")
    complete(app, case_id, "verify", "shenyang_institute", {
        "action": "result", "outcome": "pass", "verified_on": day, "certificate_no": number,
        "next_due": "2027-" + day[5:], "fee": 0})


def _world(app, clock) -> None:
    on_time, late = applications(app, 2)
    received(app, on_time)
    received(app, late)
    _result(app, clock, on_time, "2026-10-09", "F-1")
    _result(app, clock, late, "2026-10-20", "F-2")
    clock.set("2026-11-02T10:00:00+08:00")


def test_only_managers_see_the_figures(client, auth):
    for user in ("shenyang_institute", "xinmin_gas", "policy"):
        auth.login(user)
        assert client.get("/manage/figures/").status_code == 403
        assert client.get("/manage/figures/export.xlsx?figure=all").status_code == 403
        auth.logout()
    assert client.get("/manage/figures/").status_code == 302  # signed out: to the sign-in page
    auth.login("shenyang_bureau")
    assert client.get("/manage/figures/").status_code == 200
    for bad in ("abc", "1999", "99999", "-1"):  # this year's figures, the problem beside the year picker
        response = client.get(f"/manage/figures/?year={bad}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and 'id="year-error"' in html and 'aria-invalid="true"' in html
        assert "年度不正确：只能查看 2000 年至 2026 年，已显示 2026 年" in html and 'class="card figure"' in html
    assert client.get("/manage/figures/export.xlsx?year=abc&figure=all").status_code == 400


def test_the_tables_show_the_counted_numbers(app, client, auth, clock):
    _world(app, clock)
    auth.login("shenyang_bureau")
    html = client.get("/manage/figures/?year=2026").get_data(as_text=True)
    tables = _tables(html)
    [row] = tables["on_time_institute-table"][1:]
    assert row[0] == INSTITUTE and row[10] == "50.0" and row[13:] == ["1", "2", "50.0"]
    assert tables["turnaround-table"][1:] == [["全部", "2", "8.0", "12"], [INSTITUTE, "2", "8.0", "12"]]
    assert tables["late_ranking-table"][1:] == [["1", INSTITUTE, "1", "2", "50.0", "0"]]
    assert 'class="figure-chart"' in html and "echarts.min.js" in html and "<script>" not in html
    auth.logout()
    auth.login("dalian_bureau")  # another city: none of 沈阳's institutes
    other = _tables(client.get("/manage/figures/?year=2026").get_data(as_text=True))
    assert "on_time_institute-table" not in other


def test_the_exports_have_the_rows_of_the_tables(app, client, auth, clock):
    _world(app, clock)
    auth.login("shenyang_bureau")
    tables = _tables(client.get("/manage/figures/?year=2026").get_data(as_text=True))
    response = client.get("/manage/figures/export.xlsx?year=2026&figure=all")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 7
    for key in ("on_time_institute", "turnaround", "late_ranking", "open_steps"):
        page_rows = tables[f"{key}-table"]
        sheet = book[book.sheetnames[[*_keys()].index(key)]]
        sheet_rows = [[_value("—" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert sheet_rows == [[_value(v) for v in row] for row in page_rows], key
    body = client.get("/manage/figures/export.csv?year=2026&figure=late_ranking").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == tables["late_ranking-table"]
    assert client.get("/manage/figures/export.csv?year=2026&figure=all").status_code == 400
    assert client.get("/manage/figures/export.csv?year=2026&figure=nope").status_code == 404


def _value(text: str) -> str | float:
    """A cell as a number when it is one (Excel keeps 50.0 as 50), else its text."""
    try:
        return float(text)
    except ValueError:
        return text


def _keys() -> tuple[str, ...]:
    return ("open_steps", "on_time_institute", "on_time_county", "on_time_city", "activity", "turnaround",
            "late_ranking")


def test_a_figure_with_nothing_to_plot_says_so_instead_of_an_empty_chart(app, client, auth, clock):
    on_time, _late = applications(app, 2)
    received(app, on_time)  # received, no result yet: nothing finished, no 检定用时 to draw
    clock.set("2026-10-02T10:00:00+08:00")
    auth.login("shenyang_bureau")
    html = client.get("/manage/figures/?year=2026").get_data(as_text=True)
    turnaround = html.split('id="turnaround"')[1].split("</section>")[0]
    assert 'id="turnaround-empty">暂无数据' in turnaround and "figure-chart" not in turnaround
    assert _tables(html)["turnaround-table"][1:] == [["全部", "0", "—", "—"]]  # the table still says 0 finished

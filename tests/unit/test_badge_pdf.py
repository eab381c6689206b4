"""The renderer alone: page count follows the grid, Unicode names survive, no half files."""

from __future__ import annotations

import pytest

from models.badges.input import clean_template, parse_csv
from models.core.errors import Invalid
from printing.render import render_badges
from tests.support.pdfs import pdf_pages_text


@pytest.mark.parametrize(("per_page", "pages"), [(1, 7), (2, 4), (4, 2), (6, 2), (10, 1)])
def test_pages_follow_badges_per_page(tmp_path, per_page, pages):
    rows = [{"name": f"N{i}", "line-2": "", "line-3": ""} for i in range(7)]
    result = render_badges(rows, clean_template({"badges-per-page": per_page}),
                           tmp_path / "b.pdf")
    assert (result.page_count, result.badge_count) == (pages, 7)
    assert pdf_pages_text(tmp_path / "b.pdf")[0] == pages


def test_unicode_names_are_rendered_and_progress_reported(tmp_path):
    done: list[int] = []
    rows = [{"name": "Zoë Ångström", "line-2": "Gäst", "line-3": "Ærø"},
            {"name": "Jürgen Łukasz", "line-2": "", "line-3": ""}]
    render_badges(rows, clean_template({"badges-per-page": 1, "paper-size": "A6"}),
                  tmp_path / "u.pdf", on_progress=done.append)
    _, text = pdf_pages_text(tmp_path / "u.pdf")
    assert "Zoë Ångström" in text and "Jürgen Łukasz" in text
    assert done == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["u.pdf"]  # no temporary left


def test_no_rows_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError):
        render_badges([], clean_template(None), tmp_path / "e.pdf")
    assert not (tmp_path / "e.pdf").exists()


def test_csv_rows_and_template_errors_point_at_the_member():
    assert parse_csv("Ada,Speaker,PyCon,s3cret")[0] == {
        "name": "Ada", "line-2": "Speaker", "line-3": "PyCon", "secret": "s3cret"}
    with pytest.raises(Invalid) as err:
        parse_csv("name,line-2\n,Speaker")
    assert err.value.pointer == "/data/attributes/csv/0/name"
    with pytest.raises(Invalid) as err:
        clean_template({"text-colour": "red"})
    assert err.value.pointer == "/data/attributes/template/text-colour"

"""Every paper size prints the page size and badge count the template answers."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from printing.errors import TemplateError
from printing.paper import PAPER_MM
from printing.render import render_badges
from printing.template import clean_template

PT = 72 / 25.4
# (paper, badge-size, margin-mm, fold) → badges per page, counted by hand.
CASES = [
    ("A4", "4x3in", 8, False, 4),       # turned: 2 × 2 (281 × 194 mm inside); upright 1 × 3
    ("A3", "4x3in", 8, False, 10),      # turned: 3 × 3 = 9 < upright 2 × 5 = 10
    ("A5", "4x3in", 8, False, 2),       # upright: 1 × 2 (132 × 194 inside); turned 1 × 1
    ("A6", "a6", 0, False, 1),
    ("Letter", "4x3in", 6.35, False, 6),  # 2 × 3 with quarter-inch margins
    ("Legal", "4.5x4in", 8, False, 3),  # 1 × 3 upright (199.9 × 339.6 inside)
    ("A4", "4x3in", 8, True, 2),        # folded (101.6 × 152.4): turned 2 × 1; upright 1 × 1
]


def _pages(path):
    reader = PdfReader(str(path))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


@pytest.mark.parametrize(("paper", "badge", "margin", "fold", "per_page"), CASES)
def test_each_paper_gives_the_page_size_and_count_it_claims(tmp_path, paper, badge, margin,
                                                            fold, per_page):
    tpl = clean_template({"paper-size": paper, "badge-size": badge, "margin-mm": margin,
                          "fold": fold, "cut-marks": True})
    assert tpl["badges-per-page"] == per_page
    rows = [{"name": f"N{i}"} for i in range(per_page + 1)]
    result = render_badges(rows, tpl, tmp_path / "b.pdf")
    pages = _pages(tmp_path / "b.pdf")
    assert result.page_count == len(pages) == 2  # one more row than a page holds
    w, h = PAPER_MM[paper]
    assert sorted(pages[0]) == pytest.approx(sorted((w * PT, h * PT)), abs=0.5)


def test_letter_is_letter_not_a4(tmp_path):
    render_badges([{"name": "Ada"}], clean_template({"paper-size": "Letter"}),
                  tmp_path / "l.pdf")
    assert _pages(tmp_path / "l.pdf")[0] == pytest.approx((612.0, 792.0), abs=0.5)


def test_a_badge_that_fits_nowhere_is_refused():
    with pytest.raises(TemplateError) as err:
        clean_template({"paper-size": "A6", "badge-size": "a6", "margin-mm": 8})
    assert (err.value.code, err.value.member) == ("badge_does_not_fit", "badge-size")

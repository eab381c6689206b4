"""The badge designer (/badges/design): every template setting in one form, a preview that
follows the typing (htmx asks for it 300 ms after the last keystroke), an upload for the
background, save as a template, and generate from CSV rows. The preview image is the PDF
rasterised, from the same service as /v1/badge-templates/<id>/preview.png."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from api import deps
from api.pages.badge_form import sample_row, template_from_form
from api.pages.session import signin_required
from models.accounts.tables import User
from models.badges import designs, images
from models.badges.input import check_glyphs, clean_template, parse_csv
from models.badges.requests import request_badges
from printing.fonts import FACES
from printing.images import MAX_BYTES
from printing.paper import BADGE_MM, PAPER_MM
from printing.template import ALIGNS, BACKGROUNDS, FIELDS, MAX_LINES, QR_POSITIONS

bp = Blueprint("badge_design", __name__, url_prefix="/badges/design")
CHOICES = {"fields": FIELDS, "fonts": tuple(FACES), "aligns": ALIGNS, "papers": tuple(PAPER_MM),
           "sizes": tuple(BADGE_MM), "backgrounds": BACKGROUNDS, "qr": QR_POSITIONS,
           "max_lines": MAX_LINES}


@bp.get("")
@signin_required
def designer(user: User):
    return render_template("badges/design.html", choices=CHOICES)


@bp.get("/preview")
@signin_required
def preview(user: User):
    """The preview slot: the image (its URL carries the form) and what fits a page."""
    template = clean_template(template_from_form(request.args), pointer="")
    check_glyphs([sample_row(request.args)], template, pointer="")
    return render_template("badges/_preview.html", template=template,
                           query=request.query_string.decode())


@bp.get("/preview.png")
@signin_required
def preview_png(user: User):
    png = designs.preview_inline_template(deps.db(), user, template_from_form(request.args),
                                          sample_row(request.args))
    return Response(png, mimetype="image/png")


@bp.post("/image")
@signin_required
def upload_image(user: User):
    request.max_content_length = MAX_BYTES + 64 * 1024  # as /v1/badge-images
    upload = request.files.get("file")
    image = images.upload_badge_image(deps.db(), user, upload.read() if upload else b"",
                                      focus_x=request.form.get("focus-x"),
                                      focus_y=request.form.get("focus-y"))
    body = render_template("badges/_image.html", image=image)
    return Response(body, headers={"HX-Trigger-After-Swap": "badge-image"})


@bp.post("/save")
@signin_required
def save(user: User):
    saved = designs.create_badge_template(deps.db(), user,
                                          name=request.form.get("template-name", ""),
                                          template=template_from_form(request.form))
    return render_template("badges/_done.html", saved=saved)


@bp.post("/generate")
@signin_required
def generate(user: User):
    rows = parse_csv(request.form.get("csv", ""))
    badge = request_badges(deps.db(), user, rows=rows,
                           template=template_from_form(request.form))
    return render_template("badges/_done.html", badge=badge)

"""Badge templates and images through the API: owned, validated before anything is
stored or taken, previewed from the PDF, and closed to other users."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from models.badges.tables import Badge, BadgeImage, BadgeTemplate
from tests.support.api import assert_error, auth, doc
from tests.support.badges import badge_doc, usage_of, user_with_usage
from tests.support.images import jpeg_with_exif, png, png_bomb

DESIGN = {"badge-size": "4x3in", "paper-size": "Letter", "margin-mm": 6.35,
          "background-colour": "#ff8800", "background": "plain", "qr": False,
          "lines": [{"field": "name", "font": "display", "size-pt": "fit", "bold": True},
                    {"field": "organisation", "font": "serif", "size-pt": 12}]}


def _count(db, table) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def _save(client, token, template=None, name="Main"):
    return client.post("/v1/badge-templates", headers=auth(token),
                       json=doc("badge-template", {"name": name,
                                                   "template": template or DESIGN}))


def _upload(client, token, data: bytes, **form):
    return client.post("/v1/badge-images", headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), "x.png"), **form},
                       content_type="multipart/form-data")


def test_a_saved_template_answers_what_fits_and_is_its_owners_only(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    _, other = user_with_usage(client, db, "x@example.com", 5)
    r = _save(client, token)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()["data"]
    assert body["attributes"]["template"]["badges-per-page"] == 6  # Letter, 1/4 in margins
    url = r.headers["Location"]
    assert client.get(url, headers=auth(token)).status_code == 200
    # Another user: not found, not changed, not deleted, not listed.
    assert_error(client.get(url, headers=auth(other)), 404)
    patch = doc("badge-template", {"name": "Mine now"}, id_=body["id"])
    assert_error(client.patch(url, headers=auth(other), json=patch), 404)
    assert_error(client.delete(url, headers=auth(other)), 404)
    assert client.get("/v1/badge-templates", headers=auth(other)).get_json()["data"] == []
    assert_error(client.get(f"{url}/preview.png", headers=auth(other)), 404)
    r = client.patch(url, headers=auth(token), json=doc("badge-template", {"name": "Door"},
                                                         id_=body["id"]))
    assert r.get_json()["data"]["attributes"]["name"] == "Door"
    assert client.delete(url, headers=auth(token)).status_code == 204
    assert _count(db, BadgeTemplate) == 0


def test_bad_templates_are_422_and_store_nothing(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    line = {"field": "name", "size-pt": 12}
    for template, code, pointer in [
        ({"lines": [line] * 7}, "too_many_lines", "lines"),
        ({"badge-size": {"width-mm": 30, "height-mm": 60}}, "badge_size_out_of_range",
         "badge-size/width-mm"),
        ({"lines": [{**line, "font": "papyrus"}]}, "invalid_template", "lines/0/font"),
        ({"badge-size": "a6", "paper-size": "A6"}, "badge_does_not_fit", "badge-size"),
    ]:
        assert_error(_save(client, token, template), 422, code,
                     f"/data/attributes/template/{pointer}")
    assert _count(db, BadgeTemplate) == 0


def test_preview_is_the_pdf_rasterised_with_the_background_colour(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    url = _save(client, token).headers["Location"]
    r = client.get(f"{url}/preview.png?name=Ada%20Lovelace&organisation=ACME",
                   headers=auth(token))
    assert r.status_code == 200 and r.mimetype == "image/png"
    img = Image.open(io.BytesIO(r.data)).convert("RGB")
    assert img.getpixel((2, img.size[1] - 2)) == (255, 136, 0)
    assert_error(client.get(f"{url}/preview.png?name=%F0%93%80%80", headers=auth(token)),
                 422, "glyph_not_covered", "/row/0/name")


def test_uploads_are_reencoded_and_non_images_and_bombs_store_nothing(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    r = _upload(client, token, jpeg_with_exif(), **{"focus-x": "0.2"})
    assert r.status_code == 201, r.get_json()
    attrs = r.get_json()["data"]["attributes"]
    assert (attrs["media-type"], attrs["width"], attrs["focus-x"]) == ("image/jpeg", 40, 0.2)
    with db.session() as s:
        stored = s.scalars(select(BadgeImage)).one()
        with open(stored.file_path, "rb") as f:
            assert b"SpyCam" not in f.read()
    assert_error(_upload(client, token, b"%PDF-1.4 hello"), 422, "not_an_image", "/file")
    assert_error(_upload(client, token, png_bomb()), 422, "image_too_large", "/file")
    assert_error(_upload(client, token, png(), **{"focus-x": "2"}), 422, "invalid_focus")
    assert _count(db, BadgeImage) == 1


def test_badges_from_a_saved_template_and_others_templates_and_images_are_refused(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 5)
    other_id, other = user_with_usage(client, db, "x@example.com", 5)
    template_id = _save(client, token).get_json()["data"]["id"]
    image_id = _upload(client, token, png()).get_json()["data"]["id"]
    rows = [{"name": "Ada", "organisation": "ACME"}]
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc(
        {"rows": rows}, {"template": ("badge-template", template_id)}))
    assert r.status_code == 202, r.get_json()
    assert usage_of(db, user_id) == 4
    # The attacker names the owner's template, or puts the owner's image in their own.
    r = client.post("/v1/badges", headers=auth(other), json=badge_doc(
        {"rows": rows}, {"template": ("badge-template", template_id)}))
    assert_error(r, 404, "badge_template_not_found")
    r = client.post("/v1/badges", headers=auth(other), json=badge_doc(
        {"rows": rows, "template": {"background-image": int(image_id)}}))
    assert_error(r, 422, "badge_image_not_found", "/data/attributes/template")
    assert_error(_save(client, other, {"background-image": int(image_id)}), 422,
                 "badge_image_not_found")
    # A name no font can print: refused before usage is taken.
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc(
        {"rows": [{"name": "Ada \U00013000"}]}))
    assert_error(r, 422, "glyph_not_covered", "/data/attributes/rows/0/name")
    assert "U+13000" in r.get_json()["errors"][0]["detail"]
    assert (usage_of(db, user_id), usage_of(db, other_id)) == (4, 5)
    assert _count(db, Badge) == 1

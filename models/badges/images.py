"""Badge images: an upload is checked and re-encoded by printing.images, stored under the
badge storage and owned by its uploader; only the owner's images can go on their badges."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.badges.tables import BadgeImage
from models.core.db import Database
from models.core.errors import Invalid, NotFound
from models.core.uow import UnitOfWork
from printing.errors import TemplateError
from printing.images import ImageFile, clean_upload


def _focus(value: Any, name: str) -> float:
    try:
        focus = float(0.5 if value in (None, "") else value)
    except (TypeError, ValueError):
        focus = -1.0
    if not 0.0 <= focus <= 1.0:
        raise Invalid(f"{name} must be a number from 0 to 1", code="invalid_focus",
                      pointer=f"/{name}")
    return focus


def upload_badge_image(db: Database, actor: User, data: bytes, *, focus_x: Any = None,
                       focus_y: Any = None) -> BadgeImage:
    """Store `data` re-encoded (EXIF and everything else of the sent file dropped) as the
    actor's image. Invalid: `not_an_image`, `image_too_large` (refused from the header,
    before decoding), `invalid_focus`; nothing is stored then."""
    fx, fy = _focus(focus_x, "focus-x"), _focus(focus_y, "focus-y")
    try:
        clean = clean_upload(data)
    except TemplateError as exc:
        raise Invalid(exc.detail, code=exc.code, pointer="/file") from exc
    folder = Path(db.config.badge_storage).resolve() / "images" / str(actor.id)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "png" if clean.media_type == "image/png" else "jpg"
    path = folder / f"{secrets.token_hex(12)}.{suffix}"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(clean.data)
    os.replace(tmp, path)
    with UnitOfWork(db) as uow:
        image = BadgeImage(owner_id=actor.id, file_path=str(path), media_type=clean.media_type,
                           width=clean.width, height=clean.height, size_bytes=len(clean.data),
                           focus_x=fx, focus_y=fy)
        uow.session.add(image)
        uow.commit()
        return image


def get_badge_image(db: Database, actor: User, image_id: int) -> BadgeImage:
    """The actor's image (NotFound for anyone else's: ids reveal nothing)."""
    with db.session() as session:
        image = session.get(BadgeImage, image_id)
        if image is None or image.owner_id != actor.id:
            raise NotFound("Badge image not found", code="badge_image_not_found")
        return image


def template_image_ids(template: dict[str, Any]) -> set[int]:
    ids = {template.get("background-image"), (template.get("logo") or {}).get("image")}
    ids.update((template.get("background-images") or {}).values())
    return {i for i in ids if i is not None}


def image_files(session: Session, owner_id: int, ids: Iterable[int]) -> dict[int, ImageFile]:
    """The files of `owner_id`'s images among `ids` (others' and missing ones left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(BadgeImage).where(BadgeImage.id.in_(wanted),
                                                    BadgeImage.owner_id == owner_id))
    return {r.id: ImageFile(r.file_path, r.focus_x, r.focus_y) for r in rows}


def check_images(session: Session, owner_id: int, template: dict[str, Any],
                 pointer: str) -> dict[int, ImageFile]:
    """The template's images, all the owner's; Invalid (`badge_image_not_found`) names
    the first that is missing or someone else's."""
    ids = template_image_ids(template)
    found = image_files(session, owner_id, ids)
    for image_id in sorted(ids - set(found)):
        raise Invalid(f"badge image {image_id} is not one of your uploaded images",
                      code="badge_image_not_found", pointer=pointer)
    return found

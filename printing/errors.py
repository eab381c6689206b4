"""The one error a template, a text or an image can raise here. `member` is the path of
the offending member inside the template (`lines/2/font`), for the caller's pointer."""

from __future__ import annotations


class TemplateError(ValueError):
    def __init__(self, detail: str, *, code: str = "invalid_template", member: str = ""):
        super().__init__(detail)
        self.detail, self.code, self.member = detail, code, member

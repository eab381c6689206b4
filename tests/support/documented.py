"""Check one real answer against the OpenAPI document the app serves: its status is one
the operation lists, its content type one that status lists, its body that type's schema."""

from __future__ import annotations

import jsonschema_rs


def assert_documented(client, method: str, path: str, answer) -> None:
    """`answer` (a test client's response to `method path`) is as the document says."""
    spec = client.get("/v1/openapi.json").get_json()
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, f"{answer.status_code} is undocumented"
    content = responses[str(answer.status_code)].get("content", {})
    assert answer.mimetype in content, f"{answer.mimetype} is not in {sorted(content)}"
    schema = content[answer.mimetype]["schema"]
    # `$ref`s point into the document's components: resolve them from a root that has them
    jsonschema_rs.validate({**schema, "components": spec["components"]}, answer.get_json())

"""A speaker group made through the API: new speakers of the owner, grouped."""

from __future__ import annotations

from tests.support.api import auth


def new_group(client, owner: str, names: tuple[str, ...] = ("Left", "Right"),
              name: str = "Hall") -> tuple[str, list[str]]:
    """The group's id and its members' ids (new speakers named `names`)."""
    ids = []
    for speaker in names:
        r = client.post("/v1/speakers", headers=auth(owner),
                        json={"data": {"type": "speaker", "attributes": {"name": speaker}}})
        ids.append(r.get_json()["data"]["id"])
    r = client.post("/v1/speaker-groups", headers=auth(owner), json={"data": {
        "type": "speaker-group", "attributes": {"name": name, "speakers": ids}}})
    return r.get_json()["data"]["id"], ids

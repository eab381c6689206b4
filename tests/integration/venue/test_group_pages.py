"""The remote's group card (/speakers/groups/<id>/status) as an admin sees another
owner's group: admins may look at any group (models/speakers/groups.py), and its card
lists that group's members, not the admin's own speakers."""

from __future__ import annotations

import re

from models.accounts.users import create_user
from tests.support.group_api import new_group
from tests.support.pages import csrf_token


def test_an_admin_sees_the_members_of_another_owners_group(client, db, owner):
    group_id, ids = new_group(client, owner)
    create_user(db, "root@example.com", "password123", is_admin=True, verified=True)
    client.post("/signin", data={"email": "root@example.com", "password": "password123",
                                 "csrf_token": csrf_token(client)})

    r = client.get(f"/speakers/groups/{group_id}/status")

    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert sorted(re.findall(r'data-member="(\d+)"', page)) == sorted(ids)
    assert "Left" in page and "Right" in page

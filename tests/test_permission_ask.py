"""A contact who may not pay presses "Ask for access to payments" in several tabs at once, on the
real multi-worker server: one request (one note, one to-do), the other presses told it was asked."""

from concurrent.futures import ThreadPoolExecutor

from system_client import PortalClient, csrf_token
from system_scenarios import assert_clean_http

PRESSES = 6


def test_asks_at_once_make_one_request(system):
    staff = system.staff
    customer_id = system.customers[0]["partner_id"]  # its contact may pay: the customer pays so
    contact_id = staff.call(
        "res.partner",
        "create",
        {
            "name": "Sys Site Manager",
            "parent_id": customer_id,
            "type": "contact",
            "email": "site.manager@sys.example.com",
        },
    )
    portal_group = staff.call(
        "ir.model.data",
        "search_read",
        [("module", "=", "base"), ("name", "=", "group_portal")],
        ["res_id"],
    )[0]["res_id"]
    staff.call(
        "res.users",
        "create",
        {
            "login": "sys_site_manager",
            "password": "sys_site_manager_pw",
            "name": "Sys Site Manager",
            "partner_id": contact_id,
            "group_ids": [(6, 0, [portal_group])],
        },
    )

    def tab():
        client = PortalClient(
            system.url, system.stats, "sys_site_manager", "sys_site_manager_pw"
        ).login()
        page = client.get("/my/payment")
        assert page.status_code == 403, page.status_code
        return client, csrf_token(page.text)

    with ThreadPoolExecutor(max_workers=PRESSES) as pool:
        tabs = list(pool.map(lambda _index: tab(), range(PRESSES)))

    def press(client_token):
        client, token = client_token
        response = client.request(
            "POST",
            "/my/payment/permission",
            data={"csrf_token": token, "origin": "/my/payment"},
        )
        assert response.status_code == 303, (response.status_code, response.text[:300])
        return response.headers["Location"]

    # Not system.parallel: these are no payments (its figure counts parallel payments).
    with ThreadPoolExecutor(max_workers=PRESSES) as pool:
        locations = list(pool.map(press, tabs, timeout=240))
    assert sum("asked=already" not in location for location in locations) == 1, locations
    activities = staff.call(
        "mail.activity",
        "search_count",
        [
            ("res_model", "=", "res.partner"),
            ("res_id", "=", customer_id),
            ("summary", "=", "Portal payment permission request"),
        ],
    )
    notes = staff.call(
        "mail.message",
        "search_count",
        [
            ("model", "=", "res.partner"),
            ("res_id", "=", customer_id),
            ("author_id", "=", contact_id),
            # Not the assignee's "activity assigned" notice, which the contact also authors.
            ("message_type", "=", "comment"),
        ],
    )
    assert (activities, notes) == (1, 1)
    assert_clean_http(system)

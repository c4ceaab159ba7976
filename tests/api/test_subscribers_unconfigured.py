"""Without PANTAU_SMTP_URL there is no email subscription: the API answers 503 saying so (after
the body's own checks, which still name the field), the region page shows no form, and the
form's route answers 503 too. On SQLite and PostgreSQL."""

from __future__ import annotations

import httpx


async def test_email_is_not_offered_without_an_smtp_server(client: httpx.AsyncClient) -> None:
    body = {"email": "warga@example.org", "regions": ["73.73"], "lang": "id"}
    answer = await client.post("/api/v1/subscribers", json=body)
    assert answer.status_code == 503
    assert answer.json() == {
        "detail": "email is not configured on this server (PANTAU_SMTP_URL is not set)"
    }
    wrong = await client.post("/api/v1/subscribers", json=body | {"email": "warga"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "email"]

    page = await client.get("/regions/73.73")
    assert page.status_code == 200
    assert "/subscribe" not in page.text and "Berlangganan email" not in page.text
    form = await client.post("/regions/73.73/subscribe", data={"email": "warga@example.org"})
    assert form.status_code == 503
    assert "Email belum tersedia" in form.text

"""Secrets in URLs are masked wherever a URL is printed, in each form libpq and the senders take."""

from __future__ import annotations

import pytest

from faxcampaign import urls


@pytest.mark.parametrize("url", [
    "postgresql://bob:s3cret-pw@db.example.org:5432/campaigns",
    "postgresql://bob@db.example.org/campaigns?password=s3cret-pw",
    "postgresql://bob@db.example.org/campaigns?sslmode=require&sslpassword=s3cret-pw",
    "postgres://bob@db.example.org/campaigns?PASSWORD=s3cret-pw&application_name=x",
    "smtp://ann:s3cret-pw@mail.example.org:587?starttls=yes",
])
def test_every_form_of_secret_is_masked(url: str) -> None:
    assert urls.has_secret(url)
    shown = urls.mask(url)
    assert "s3cret-pw" not in shown
    assert "***" in shown
    assert "example.org" in shown  # the rest stays readable


def test_a_url_without_a_secret_is_left_as_it_is() -> None:
    url = "postgresql://bob@db.example.org/campaigns?sslmode=require"
    assert not urls.has_secret(url)
    assert urls.mask(url) == url
    assert urls.mask("campaign.log.sqlite") == "campaign.log.sqlite"


def test_a_route_refuses_a_password_and_names_where_it_belongs() -> None:
    with pytest.raises(urls.URLError) as caught:
        urls.parse_route("smtp://ann:s3cret-pw@mail.example.org", "--via", "FAXCAMPAIGN_SMTP_PASSWORD")
    assert "FAXCAMPAIGN_SMTP_PASSWORD" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)
    route = urls.parse_route("smtp://ann@mail.example.org:587?starttls=yes")
    assert (route.scheme, route.host, route.port, route.user, route.flag("starttls")) == \
        ("smtp", "mail.example.org", 587, "ann", True)

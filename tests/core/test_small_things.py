"""Issue 18's small things in core: a favicon on every page (no 404 in any log), Redoc loading
no web font (the Content Security Policy allows fonts from the app only), and the API docs
telling a stranger in a browser how to sign in while API clients keep their 401."""

from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from pathway import labels

pytestmark = pytest.mark.django_db
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_every_page_names_the_apps_icon_and_it_is_served(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/core/favicon.svg" type="image/svg+xml">' in html
    assert finders.find("core/favicon.svg")
    icon = client.get("/static/core/favicon.svg")
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")


def test_favicon_ico_asked_for_by_pages_without_a_link_leads_to_the_icon(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/static/core/favicon.svg", 302)]


def test_redoc_loads_no_web_font(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/api/redoc/", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    assert '<script src="/assets/redoc.standalone.js"></script>' in html
    # Redoc's theme, carried by the page as a data attribute (no inline script): system fonts.
    assert '"fontFamily": "system-ui' in unescape(html)
    policy = response["Content-Security-Policy"]
    assert "font-src 'self'" in policy


def test_redocs_script_is_the_sidecars_with_nothing_fetched_from_elsewhere(client):
    from core.views import REDOC_BUNDLE, REDOCLY_LOGO

    original = open(finders.find(REDOC_BUNDLE), encoding="utf-8").read()
    assert REDOCLY_LOGO in original  # else a newer Redoc dropped it: this can go
    response = client.get("/assets/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    assert REDOCLY_LOGO not in script and "cdn.redoc.ly" not in script
    assert len(script) > 0.99 * len(original)


def test_a_stranger_in_a_browser_is_shown_how_to_sign_in_to_the_docs(client):
    for url in ("/api/docs/", "/api/redoc/"):
        response = client.get(url, HTTP_ACCEPT=BROWSER)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "Sign in to read the API documentation" in html
        assert f'<a href="/accounts/login/?next={url}">Sign in</a>' in html


@pytest.mark.parametrize("accept", ["application/json", "*/*", ""])
def test_an_api_client_keeps_its_401(client, accept):
    response = client.get("/api/docs/", HTTP_ACCEPT=accept)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_forged_token_from_a_browser_is_the_apis_401(client):
    response = client.get("/api/docs/", HTTP_ACCEPT=BROWSER, HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert "Sign in to read the API documentation" not in response.content.decode()


# --- labels derived from codes ---------------------------------------------------------------
@pytest.mark.parametrize(
    "words, sentence",
    [
        ("INR check", "INR check"),
        ("IVC", "IVC"),
        ("left common iliac", "Left common iliac"),
        ("", ""),
    ],
)
def test_a_label_starting_a_sentence_keeps_its_capitals(words, sentence):
    assert labels.sentence(words) == sentence
    assert labels.sentence(labels.code("inr_check")) == "INR check"
    assert labels.sentence(labels.code("ivc")) == "IVC"


@pytest.mark.parametrize(
    "count, words",
    [(1, "1 day"), (1.0, "1 day"), (0, "0 days"), (2.5, "2.5 days"), (14.0, "14 days")],
)
def test_days_are_counted_in_words(count, words):
    assert labels.days(count) == words


def test_a_duplex_form_names_the_ivc_in_capitals():
    from tasks.forms import form_for

    form = form_for(
        "duplex", segments=["ivc", "left_common_iliac"], data=None, prefix_id="x", late=False
    )
    assert form.fields["segment_ivc"].label == "IVC"
    assert form.fields["segment_left_common_iliac"].label == "Left common iliac"

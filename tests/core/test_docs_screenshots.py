"""The browser tests' pictures for the docs (tests/e2e/conftest.py `shot`): a test run leaves
docs/screenshots as committed; `make screenshots` (SCREENSHOTS=1) writes them, whole page,
first screen or one part of it."""

import pytest

from tests.e2e import conftest as e2e


class Camera:
    """Stands for a Playwright page or locator: notes what it was asked to take."""

    def __init__(self):
        self.taken = []

    def screenshot(self, **options):
        self.taken.append(options)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(e2e, "SCREENSHOTS", tmp_path / "screenshots")
    return tmp_path / "screenshots"


def test_a_test_run_takes_no_picture(folder, monkeypatch):
    monkeypatch.delenv("SCREENSHOTS", raising=False)
    camera = Camera()

    e2e.shot(camera, "worklist")

    assert camera.taken == []
    assert not folder.exists()


def test_make_screenshots_takes_the_whole_page_or_its_first_screen(folder, monkeypatch):
    monkeypatch.setenv("SCREENSHOTS", "1")
    camera = Camera()

    e2e.shot(camera, "worklist")
    e2e.shot(camera, "inbox-urgent-first", full_page=False)

    assert camera.taken == [
        {"path": str(folder / "worklist.png"), "full_page": True},
        {"path": str(folder / "inbox-urgent-first.png")},
    ]
    assert folder.is_dir()

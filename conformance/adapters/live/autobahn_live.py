#!/usr/bin/python3
"""Live adapter (protocol wampbox-live/1, docs/live-conformance.md) for Autobahn|Python
22.7.1: one asyncio ApplicationSession with its cryptobox KeyRing set as payload codec,
driven by `wampbox-conform live`.

stdin:  {"type":"hello","protocol":"wampbox-live/1","url":...,"serializer":...,"realm":...,
         "keyring":PATH,"timeout_ms":N}, then {"type":"cmd","id":N,"cmd":...}, then {"type":"bye"}
stdout: the hello answer once joined, one response per command, and notes
        ({"type":"event"|"invocation",...}) as the session delivers them.

The session is what scripts/live/ab_client.py runs (its RawSocket fix for Autobahn 22.7.1,
its serializers and keyring loader are imported from there). Values are the typed form of
conformance/PROTOCOL.md 5 (scripts/wampbox_py/typed.py). Autobahn's log goes to stderr.
`run()` takes a codec factory so that defective_live.py can wrap the KeyRing.
"""
import asyncio
import json
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts" / "live"))
sys.path.insert(0, str(REPO / "scripts"))

import ab_client  # noqa: E402  (also fixes Autobahn 22.7.1's asyncio RawSocket WELCOME bug)
import autobahn  # noqa: E402
import txaio  # noqa: E402
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallResult, PublishOptions, RegisterOptions, SubscribeOptions  # noqa: E402
from wampbox_py.typed import tv, untv  # noqa: E402

PROTOCOL = "wampbox-live/1"
IMPLEMENTATION = {"name": "Autobahn|Python", "version": autobahn.__version__, "language": "Python",
                  "description": "asyncio ApplicationSession + autobahn.wamp.cryptobox.KeyRing "
                                 "(Debian python3-autobahn)"}
# Autobahn sends plaintext when the matched key lacks the sending box (cryptobox.py encode
# returns None) and delivers plaintext events on keyed topics (protocol.py checks enc_algo only).
PROFILE = {"plaintext_fallback": "plaintext", "plaintext_receive": "accept"}


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _stdin_lines(loop, q):
    for line in sys.stdin:
        if line.strip():
            loop.call_soon_threadsafe(q.put_nowait, line)
    loop.call_soon_threadsafe(q.put_nowait, None)


def _kwargs(t):
    return (untv(t) if t is not None else None) or {}


def _args(t):
    return (untv(t) if t is not None else None) or []


async def handle(session, msg, timeout):
    """One command -> its response (notes are emitted by the handlers as they fire)."""
    cmd, uri, rid = msg.get("cmd"), msg.get("uri"), msg.get("id")
    try:
        if cmd == "subscribe":
            def on_event(*a, details=None, **kw):
                emit({"type": "event", "uri": details.topic or uri, "args": tv(list(a)), "kwargs": tv(kw),
                      "encrypted": bool(details.enc_algo)})

            sub = await asyncio.wait_for(
                session.subscribe(on_event, uri, options=SubscribeOptions(details_arg="details")), timeout)
            return {"id": rid, "status": "ok", "subscription": sub.id}
        if cmd == "register":
            def echo(*a, details=None, **kw):
                emit({"type": "invocation", "uri": details.procedure or uri, "args": tv(list(a)), "kwargs": tv(kw),
                      "encrypted": bool(details.enc_algo)})
                return CallResult(*a, **kw)

            reg = await asyncio.wait_for(session.register(echo, uri, options=RegisterOptions(details_arg="details")),
                                         timeout)
            return {"id": rid, "status": "ok", "registration": reg.id}
        if cmd == "publish":
            pub = await asyncio.wait_for(session.publish(uri, *_args(msg.get("args")),
                                                         options=PublishOptions(acknowledge=True),
                                                         **_kwargs(msg.get("kwargs"))), timeout)
            return {"id": rid, "status": "ok", "publication": pub.id}
        if cmd == "call":
            res = await asyncio.wait_for(session.call(uri, *_args(msg.get("args")), **_kwargs(msg.get("kwargs"))),
                                         timeout)
            if isinstance(res, CallResult):
                args, kwargs = list(res.results), res.kwresults or {}
            else:
                # Autobahn hands a single positional result over as the bare value.
                args, kwargs = ([] if res is None else [res]), {}
            return {"id": rid, "status": "ok", "result": {"args": tv(args), "kwargs": tv(kwargs)}}
        return {"id": rid, "status": "error", "error": "unknown_command", "message": f"unknown command {cmd!r}"}
    except ApplicationError as e:
        return {"id": rid, "status": "error", "error": e.error, "message": str(e)[:500], "args": tv(list(e.args)),
                "kwargs": tv(e.kwargs or {})}
    except asyncio.TimeoutError:
        return {"id": rid, "status": "error", "error": "timeout", "message": f"no completion within {timeout} s"}
    except Exception as e:  # noqa: BLE001 - reported to the runner as this command's error
        return {"id": rid, "status": "error", "error": "client_error", "message": f"{type(e).__name__}: {e}"[:500]}


def run(codec_factory=lambda ring: ring, implementation=None, profile=None):
    txaio.use_asyncio()
    txaio.start_logging(out=sys.stderr, level="warn")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    q = asyncio.Queue()
    threading.Thread(target=_stdin_lines, args=(loop, q), daemon=True).start()

    async def main():
        line = await q.get()
        if line is None:
            return 2
        hello = json.loads(line)
        timeout = hello.get("timeout_ms", 10000) / 1000.0
        codec = codec_factory(ab_client.load_keyring(hello["keyring"]))
        joined = loop.create_future()

        class Client(ApplicationSession):
            def onJoin(self, details):
                self.set_payload_codec(codec)
                if not joined.done():
                    joined.set_result(self)

            def onLeave(self, details):
                self.disconnect()

            def onDisconnect(self):
                if not joined.done():
                    joined.set_exception(ConnectionError("disconnected before joining"))

        runner = ApplicationRunner(hello["url"], hello.get("realm", "realm1"),
                                   serializers=[ab_client.SERIALIZERS[hello["serializer"]]()])
        await asyncio.wait_for(runner.run(Client, start_loop=False), timeout)
        session = await asyncio.wait_for(joined, timeout)
        emit({"type": "hello", "protocol": PROTOCOL, "implementation": implementation or IMPLEMENTATION,
              "profile": profile or PROFILE, "session": session._session_id,
              "supports": {"transports": ["rs", "ws"], "serializers": sorted(ab_client.SERIALIZERS)}})
        while True:
            line = await q.get()
            if line is None:
                break
            msg = json.loads(line)
            if msg.get("type") == "bye":
                break
            if msg.get("type") == "cmd":
                emit(await handle(session, msg, timeout))
        if session.is_attached():
            session.leave()
            await asyncio.sleep(0.05)
        return 0

    try:
        return loop.run_until_complete(main())
    except (asyncio.TimeoutError, ConnectionError, OSError) as e:
        print(f"autobahn_live: cannot join: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(run())

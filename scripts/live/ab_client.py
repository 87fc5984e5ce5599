#!/usr/bin/python3
"""Autobahn|Python (asyncio) WAMP client for the live tests: the same commands and
JSON-lines output as wampbox-client, so that tests drive both alike.

  ab_client.py --url rs://127.0.0.1:PORT|ws://127.0.0.1:PORT [--serializer json|msgpack|cbor]
               [--realm R] [--keyring FILE] [--timeout-ms MS] COMMAND ...
  commands: publish TOPIC ARGS [KWARGS] [--count N] [--acknowledge]
            subscribe TOPIC --count N
            call PROC ARGS [KWARGS] [--count N]
            serve PROC --count N      (echo: returns CallResult(*args, **kwargs))

Values are JSON read and written with Autobahn's own serializer._loads/_dumps
(binary as "\\u0000"+base64). The keyring file is wampbox's format
(prefix -> {originator_priv, originator_pub, responder_priv, responder_pub});
it becomes an autobahn.wamp.cryptobox.KeyRing set with session.set_payload_codec.
Every wait is bounded by --timeout-ms; exit 0 when the command completed.
"""
import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wampbox_py import autobahn_ref as ref  # noqa: E402

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer, _dumps, _loads
from autobahn.wamp.types import CallResult, PublishOptions

# Autobahn 22.7.1's asyncio RawSocket protocol never defines the `transport_details`
# property that ApplicationSession.onWelcome reads (protocol.py line 605), so a RawSocket
# session fails on WELCOME with AttributeError (the WebSocket protocol has it). The
# property below returns what the protocol already computed in connection_made.
import autobahn.asyncio.rawsocket as _ab_rawsocket  # noqa: E402
if not hasattr(_ab_rawsocket.WampRawSocketClientProtocol, "transport_details"):
    _ab_rawsocket.WampRawSocketClientProtocol.transport_details = property(lambda self: self._transport_details)

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}


def out(obj):
    sys.stdout.write(_dumps(obj) + "\n")
    sys.stdout.flush()


def load_keyring(path):
    # scripts/wampbox_py/autobahn_ref.make_keyring works around Autobahn 22.7.1's
    # Key(priv, pub) assertion bug (it compares a str with a PublicKey).
    with open(path, encoding="utf-8") as f:
        return ref.make_keyring(json.load(f))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--serializer", default="json", choices=sorted(SERIALIZERS))
    p.add_argument("--realm", default="realm1")
    p.add_argument("--keyring")
    p.add_argument("--timeout-ms", type=int, default=10000)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--acknowledge", action="store_true")
    p.add_argument("command", choices=["publish", "subscribe", "call", "serve"])
    p.add_argument("uri")
    p.add_argument("args", nargs="?", default="[]")
    p.add_argument("kwargs", nargs="?", default="{}")
    a = p.parse_args()
    timeout = a.timeout_ms / 1000.0
    ring = load_keyring(a.keyring) if a.keyring else None
    args, kwargs = _loads(a.args), _loads(a.kwargs)
    state = {"done": 0, "rc": 0}

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    finished = loop.create_future()

    def finish():
        if not finished.done():
            finished.set_result(None)

    class Client(ApplicationSession):
        async def onJoin(self, details):
            if ring is not None:
                self.set_payload_codec(ring)
            try:
                await self.run_command()
            except ApplicationError as e:
                state["rc"] = 1
                out({"error": e.error, "args": list(e.args), "kwargs": e.kwargs or {}})
            except Exception as e:  # noqa: BLE001 - reported as a line, exit 1
                state["rc"] = 1
                out({"error": "ab_client.error", "args": [repr(e)]})
            if a.command in ("publish", "call"):
                out({"summary": {"done": state["done"]}})
                self.leave()

        async def run_command(self):
            if a.command == "publish":
                for _ in range(a.count):
                    pub = self.publish(a.uri, *args, options=PublishOptions(acknowledge=a.acknowledge), **kwargs)
                    if a.acknowledge:
                        pub = await pub
                        out({"published": pub.id})
                    state["done"] += 1
            elif a.command == "call":
                for _ in range(a.count):
                    try:
                        res = await self.call(a.uri, *args, **kwargs)
                    except ApplicationError as e:
                        state["rc"] = 1
                        out({"error": e.error, "args": list(e.args), "kwargs": e.kwargs or {}})
                        continue
                    if isinstance(res, CallResult):
                        out({"result": {"args": list(res.results), "kwargs": res.kwresults or {}}})
                    else:
                        out({"result": {"args": [res], "kwargs": {}}})
                    state["done"] += 1
            elif a.command == "subscribe":
                def on_event(*eargs, details=None, **ekwargs):
                    state["done"] += 1
                    out({"event": {"args": list(eargs), "kwargs": ekwargs, "topic": details.topic,
                                   "details": {"enc_algo": details.enc_algo}, "encrypted": bool(details.enc_algo)}})
                    if state["done"] >= a.count:
                        self.leave()

                from autobahn.wamp.types import SubscribeOptions
                sub = await self.subscribe(on_event, a.uri, options=SubscribeOptions(details_arg="details"))
                out({"ready": {"subscription": sub.id}})
            elif a.command == "serve":
                from autobahn.wamp.types import RegisterOptions

                def echo(*cargs, details=None, **ckwargs):
                    state["done"] += 1
                    out({"invocation": {"args": list(cargs), "kwargs": ckwargs,
                                        "details": {"enc_algo": details.enc_algo}, "encrypted": bool(details.enc_algo)}})
                    if state["done"] >= a.count:
                        loop.call_later(0.2, self.leave)
                    return CallResult(*cargs, **ckwargs)

                reg = await self.register(echo, a.uri, options=RegisterOptions(details_arg="details"))
                out({"ready": {"registration": reg.id}})

        def onLeave(self, details):
            self.disconnect()

        def onDisconnect(self):
            finish()

    runner = ApplicationRunner(a.url, a.realm, serializers=[SERIALIZERS[a.serializer]()])

    async def go():
        await asyncio.wait_for(runner.run(Client, start_loop=False), timeout)
        await asyncio.wait_for(finished, timeout)

    try:
        loop.run_until_complete(go())
    except asyncio.TimeoutError:
        state["rc"] = 1
        out({"error": "wamp.error.timeout", "args": ["no completion within %d ms" % a.timeout_ms]})
    if a.command in ("subscribe", "serve"):
        out({"summary": {"done": state["done"]}})
    return state["rc"]


if __name__ == "__main__":
    sys.exit(main())

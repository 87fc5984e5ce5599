# Autobahn|Python 22.7.1 (Debian) seals a PUBLISH as its session would and
# writes the MessagePack frame to stdout.
import sys, txaio; txaio.use_asyncio()
from autobahn.wamp.cryptobox import KeyRing, Key
from autobahn.wamp.message import Publish
from autobahn.wamp.serializer import MsgPackSerializer
ring = KeyRing()
ring.set_key("com.myapp.encrypted.", Key(originator_priv="6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=",
                                          responder_priv="ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE="))
enc = ring.encode(True, "com.myapp.encrypted.hello", ["Grüße", 2**70, b"\x00\x01"], {"ok": True})
msg = Publish(7, "com.myapp.encrypted.hello", payload=enc.payload, acknowledge=True,
              enc_algo=enc.enc_algo, enc_key=enc.enc_key, enc_serializer=enc.enc_serializer)
sys.stdout.buffer.write(MsgPackSerializer().serialize(msg)[0])

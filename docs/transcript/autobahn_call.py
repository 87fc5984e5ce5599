# The same CALL sealed by Autobahn itself, with the same fixed nonce.
import sys, txaio; txaio.use_asyncio()
import autobahn.wamp.cryptobox as cb
from autobahn.wamp.message import Call
from autobahn.wamp.serializer import CBORSerializer
cb.random = lambda n: bytes(range(n))          # fixed nonce 00 01 .. 17
ring = cb.KeyRing()
ring.set_key("com.myapp.encrypted.", cb.Key(originator_priv="6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=",
                                             responder_priv="ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE="))
enc = ring.encode(True, "com.myapp.encrypted.add2", [23, 19.5, b"\x01\x02\x03"], {"unit": "€"})
msg = Call(9, "com.myapp.encrypted.add2", payload=enc.payload, timeout=1000,
           enc_algo=enc.enc_algo, enc_key=enc.enc_key, enc_serializer=enc.enc_serializer)
sys.stdout.buffer.write(CBORSerializer().serialize(msg)[0])

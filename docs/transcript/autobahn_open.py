# Autobahn|Python parses a CBOR CALL frame from stdin and decrypts it as the
# callee does once the router has forwarded it (responder box).
import sys, txaio; txaio.use_asyncio()
from autobahn.wamp.cryptobox import KeyRing, Key
from autobahn.wamp.serializer import CBORSerializer
from autobahn.wamp.types import EncodedPayload
ring = KeyRing()
ring.set_key("com.myapp.encrypted.", Key(originator_priv="6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=",
                                          responder_priv="ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE="))
[msg] = CBORSerializer().unserialize(sys.stdin.buffer.read())
print(type(msg).__name__, msg.procedure, msg.enc_algo, msg.enc_serializer)
print(ring.decode(False, msg.procedure, EncodedPayload(msg.payload, msg.enc_algo, msg.enc_serializer)))

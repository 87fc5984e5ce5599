#!/usr/bin/env bash
# The README's interoperability transcript, runnable: Autobahn|Python seals a
# frame that `wampbox open` decrypts; `wampbox seal --nonce` seals one that
# Autobahn decrypts and that equals Autobahn's own frame byte for byte.
# Needs the wampbox CLI on PATH (build/impl/cli) and /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
set -x
/usr/bin/python3 autobahn_publish.py > "$tmp/publish.msgpack"
wampbox open --serializer msgpack --keyring ring.json "$tmp/publish.msgpack"
wampbox seal --type CALL --serializer cbor --keyring ring.json --request 9 \
  --uri com.myapp.encrypted.add2 --options '{"timeout":1000}' \
  --args '[23, 19.5, "\u0000AQID"]' --kwargs '{"unit":"€"}' \
  --nonce 000102030405060708090a0b0c0d0e0f1011121314151617 --output "$tmp/call.cbor"
/usr/bin/python3 autobahn_open.py < "$tmp/call.cbor"
/usr/bin/python3 autobahn_call.py > "$tmp/call.autobahn.cbor"
cmp "$tmp/call.cbor" "$tmp/call.autobahn.cbor" && echo "identical to Autobahn's frame"

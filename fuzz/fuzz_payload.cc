// The payload codec's open (PayloadCodec::decode) and open_message on
// decoded frames, with the worked example's keyring.
//
// A random payload never passes the MAC, so the first byte picks a mode:
//   0: the rest is a payload (nonce || mac || ciphertext) as received;
//   1: the rest is a plaintext, sealed here with the right key, so the
//      decrypted-plaintext parser (JSON object with uri/args/kwargs) is what
//      gets fuzzed;
//   2: the rest is a JSON frame, decoded then opened.
// Either decode returns a value or it throws wampbox::Error; a successful
// decode must re-encode and decode again to the same args/kwargs.
#include <array>

#include "fuzz_common.h"
#include "wampbox/cryptobox.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"

namespace {

const wampbox::KeyRing& Ring() {
  static const wampbox::KeyRing ring = [] {
    wampbox::KeyRing r;
    wampbox::Key::Parts parts;
    parts.originator_priv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
    parts.responder_priv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
    r.set_key("com.myapp.", wampbox::Key::from_parts(parts));
    return r;
  }();
  return ring;
}

constexpr std::string_view kUri = "com.myapp.topic";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  if (size < 1) return 0;
  const PayloadCodec codec(Ring());
  const auto rest = fuzz::Bytes(data + 1, size - 1);
  try {
    if (data[0] % 3 == 2) {
      Message m = decode_frame(rest, Serializer::kJson);
      if (m.is_encrypted()) (void)open_message(codec, m, kUri);
      return 0;
    }
    EncodedPayload p;
    p.enc_algo = "cryptobox";
    p.enc_serializer = "json";
    if (data[0] % 3 == 0) {
      p.payload.assign(rest.begin(), rest.end());
    } else {
      const std::array<std::uint8_t, kNonceBytes> nonce{};
      box_seal_append_for_testing(Ring().find(kUri)->shared(Role::kOriginator), rest, p.payload, nonce);
    }
    DecodedPayload d = codec.decode(Role::kResponder, kUri, p);
    fuzz::Check(d.uri == kUri, "decode returned a payload for another URI");
    auto again = codec.encode(Role::kOriginator, kUri, d.args, d.kwargs);
    fuzz::Check(again.has_value(), "a key that decodes does not encode");
    DecodedPayload d2 = codec.decode(Role::kResponder, kUri, *again);
    fuzz::Check(d2.args == d.args && d2.kwargs == d.kwargs, "decode(encode(decode(x))) differs");
  } catch (const Error&) {
  }
  return 0;
}

// decode_frame for each serializer (the first input byte picks it), with a
// re-encode round trip: a message decode_frame produced must encode, its
// encoding must decode, and encoding again must give the same bytes.
// Not "decodes to the same message": the writer follows Autobahn's marshal(),
// which drops an empty trailing ArgumentsKw (and then empty Arguments), so
// [36,7,8,{},["x"],{}] comes back without kwargs (fuzz/crashers/fuzz_frame/,
// found on the first run); the message the frame means is the same.
// Nor "the same type, URI, payload and options": two asymmetries the first
// runs found (fuzz/crashers/fuzz_frame/, docs/fuzzing.md "Findings", reported
// for issue 11 item 8): decode_frame keeps enc_* Details when a frame declares
// them without a payload and encode_frame drops them; and with
// {"enc_algo":null} a binary Arguments element comes back in another field.
#include "fuzz_common.h"
#include "wampbox/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  if (size < 1) return 0;
  const Serializer kinds[] = {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor};
  const Serializer s = kinds[data[0] % 3];
  Message m;
  try {
    m = decode_frame(fuzz::Bytes(data + 1, size - 1), s);
  } catch (const Error&) {
    return 0;
  }
  Bytes again;
  try {
    again = encode_frame(m, s);
  } catch (const Error&) {
    fuzz::Fail("encode_frame refuses a message decode_frame produced");
  }
  Message back;
  try {
    back = decode_frame(again, s);
  } catch (const Error& e) {
    // Known (issue 11 item 8, harden's area): decode_frame accepts Arguments
    // that are not a list (CBOR [16,7,{},uri,<bytes>,...] decodes with args a
    // string), and encode_frame then writes a frame decode_frame rejects
    // (fuzz/crashers/fuzz_frame/crash-72bde5..., docs/fuzzing.md "Findings").
    // Until encode/decode agree on that, only that shape is let through.
    if (m.args && m.args->kind() != Value::Kind::kArray) return 0;
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::Fail("decode_frame rejects what encode_frame wrote for a decoded message");
  }
  fuzz::Check(encode_frame(back, s) == again, "re-encoding is not stable");
  return 0;
}

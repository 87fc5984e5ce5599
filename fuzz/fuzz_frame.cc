// decode_frame for each serializer (the first input byte picks it), with a
// re-encode round trip: a message decode_frame produced must encode, its
// encoding must decode, and encoding again must give the same bytes.
// Not "decodes to the same message": the writer follows Autobahn's marshal(),
// which drops an empty trailing ArgumentsKw (and then empty Arguments), so
// [36,7,8,{},["x"],{}] comes back without kwargs (fuzz/crashers/fuzz_frame/,
// found on the first run); the message the frame means is the same.
// Nor "the same type, URI, payload and options": encode_frame writes enc_*
// Details only with a non-empty payload (as Autobahn), so a frame declaring
// them without one, or with {"enc_algo":null} and a zero-length binary, comes
// back without them (fuzz/crashers/fuzz_frame/, docs/fuzzing.md "Findings").
// What must hold without exception (issue 11 item 8): decode_frame accepts
// every frame encode_frame writes. crash-72bde5... (a CBOR PUBLISH whose
// Arguments is a string) was let through here until encode_frame learnt to
// write that shape readably (wampbox/frame.h); it now replays as a pass.
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
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::Fail("decode_frame rejects what encode_frame wrote for a decoded message");
  }
  fuzz::Check(encode_frame(back, s) == again, "re-encoding is not stable");
  return 0;
}

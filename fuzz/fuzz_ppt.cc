// Payload PassThru Mode (ppt.h): ppt_unpack of each serializer's payload, and
// ppt_attributes / ppt_unwrap on decoded JSON frames. The first byte picks
// the case.
#include "fuzz_common.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  if (size < 1) return 0;
  const auto rest = fuzz::Bytes(data + 1, size - 1);
  const std::string_view serializers[] = {"json", "msgpack", "cbor", "native", "flatbuffers"};
  try {
    const unsigned pick = data[0] % 6;
    if (pick < 5) {
      Value args, kwargs;
      ppt_unpack(serializers[pick], rest, args, kwargs);
      // What unpacked, packs; that unpacks and packs to the same bytes. (Not
      // "unpacks to the same values": {"args": null, "kwargs": null} packs
      // as the absent form; fuzz/crashers/fuzz_ppt/, found on the first run.)
      Bytes packed = ppt_pack(serializers[pick], args, kwargs);
      Value a2, k2;
      ppt_unpack(serializers[pick], packed, a2, k2);
      fuzz::Check(ppt_pack(serializers[pick], a2, k2) == packed, "ppt_pack(ppt_unpack(ppt_pack(x))) != ppt_pack(x)");
      return 0;
    }
    Message m = decode_frame(rest, Serializer::kJson);
    if (auto attrs = ppt_attributes(m.options)) {
      ppt_validate(*attrs);
      (void)ppt_unwrap(m);
    }
  } catch (const Error&) {
  }
  return 0;
}

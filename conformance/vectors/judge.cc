#include "judge.h"

#include <bit>
#include <cstdio>
#include <sstream>

#include "wampbox/error.h"

namespace wampbox::vectors {
namespace {

// Diagnostics: a value in the corpus's typed notation, shortened.
std::string Show(const Value& v) {
  std::ostringstream s;
  switch (v.kind()) {
    case Value::Kind::kNull: s << "null"; break;
    case Value::Kind::kBool: s << (v.as_bool() ? "true" : "false"); break;
    case Value::Kind::kInt: s << v.as_int(); break;
    case Value::Kind::kUInt: s << v.as_uint() << "u"; break;
    case Value::Kind::kBigInt: s << v.as_bigint().decimal << "n"; break;
    case Value::Kind::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g(%016llx)", v.as_float(),
                    static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v.as_float())));
      s << buf;
      break;
    }
    case Value::Kind::kString: s << '"' << v.as_string().substr(0, 80) << '"'; break;
    case Value::Kind::kBinary: s << "b'" << hex_encode(v.as_binary().data).substr(0, 80) << "'"; break;
    case Value::Kind::kArray: {
      s << '[';
      for (std::size_t i = 0; i < v.as_array().size(); ++i) s << (i ? "," : "") << Show(v.as_array()[i]);
      s << ']';
      break;
    }
    case Value::Kind::kObject: {
      s << '{';
      bool first = true;
      for (const auto& [k, x] : v.as_object()) {
        s << (first ? "" : ",") << k << ':' << Show(x);
        first = false;
      }
      s << '}';
      break;
    }
  }
  std::string out = s.str();
  return out.size() > 600 ? out.substr(0, 600) + "..." : out;
}

std::string Show(const Message& m) {
  std::ostringstream s;
  s << to_string(m.type) << "{req=" << m.request << " rt=" << m.request_type << " sub=" << m.subscription
    << " pub=" << m.publication << " reg=" << m.registration << " options=" << Show(Value(m.options)) << " uri=\""
    << m.uri << "\"";
  if (m.args) s << " args=" << Show(*m.args);
  if (m.kwargs) s << " kwargs=" << Show(*m.kwargs);
  if (m.payload) s << " payload=" << hex_encode(*m.payload).substr(0, 64) << "...(" << m.payload->size() << ")";
  s << "}";
  return s.str();
}

std::string Show(const Bytes& b) { return hex_encode(b).substr(0, 160) + " (" + std::to_string(b.size()) + " bytes)"; }

// The opened form carries args/kwargs always; wampbox leaves null ones unset.
Message Normalized(Message m) {
  if (m.args && m.args->is_null()) m.args.reset();
  if (m.kwargs && m.kwargs->is_null()) m.kwargs.reset();
  return m;
}

// "" when `got` is the vector's field `name`, else the difference. Reads (and
// so consumes) the field in `t`.
std::string Compare(Attrs& t, std::string_view op, const std::string& name, const OutField& got) {
  const std::string what = std::string(op) + ": " + name;
  if (!t.has(name)) return what + ": accepted, but the vector gives no " + name;
  if (t.is_null(name)) {
    return std::holds_alternative<std::monostate>(got) ? "" : what + ": want null, got a value";
  }
  if (std::holds_alternative<std::monostate>(got)) return what + ": want a value, got null";
  if (const auto* b = std::get_if<Bytes>(&got)) {
    Bytes want = t.hex(name);
    return want == *b ? "" : what + " differs: want " + Show(want) + ", got " + Show(*b);
  }
  if (const auto* s = std::get_if<std::string>(&got)) {
    std::string want = t.str(name);
    return want == *s ? "" : what + " differs: want \"" + want + "\", got \"" + *s + "\"";
  }
  if (const auto* v = std::get_if<Value>(&got)) {
    Value want = ToValue(t.get(name), t.where() + "." + name);
    return want == *v ? "" : what + " differs: want " + Show(want) + ", got " + Show(*v);
  }
  const Message& m = std::get<Message>(got);
  Message want = ToMessage(t.get(name), t.where() + "." + name);
  bool same = op == "frame_decode_open" ? Normalized(want) == Normalized(m) : want == m;
  return same ? "" : what + " differs:\n  want " + Show(want) + "\n  got  " + Show(m);
}

// What one check gave.
struct Answer {
  enum Status { kOk, kRejected, kForeign } status = kOk;
  std::string code, message;
  Output output;
};

Answer Ask(const ProtocolOp& op, Attrs& in, const OpContext& ctx) {
  Answer a;
  try {
    a.output = op.run(in, ctx);
  } catch (const CorpusError&) {
    throw;
  } catch (const Unsupported& e) {
    throw CorpusError(std::string("the library does not support this vector: ") + e.what());
  } catch (const Error& e) {
    a.status = Answer::kRejected;
    a.code = std::string(to_string(e.code()));
    if (e.code() == ErrorCode::kNoPayloadCodec) a.code = "no_key";  // the protocol has one code for both
    a.message = e.what();
  } catch (const std::exception& e) {
    a.status = Answer::kForeign;
    a.message = std::string("non-wampbox exception: ") + e.what();
  }
  return a;
}

// "" when every output of an ok answer is the vector's.
std::string Outputs(Attrs& t, const ProtocolOp& op, const Answer& a) {
  for (const auto& [name, got] : a.output) {
    std::string d = Compare(t, op.name, name, got);
    if (!d.empty()) return d;
  }
  return "";
}

bool SameError(const std::string& want, const std::string& got) {
  return want == got || (want == "invalid_utf8" && got == "parse_error") ||
         (want == "parse_error" && got == "invalid_utf8");
}

Expect ExpectationOf(const Vector& v, const Profile& p) {
  if (v.result == "valid") return Expect::kAccept;
  if (v.result == "invalid") return Expect::kReject;
  Expect e = Expect::kEither;
  for (const auto& f : v.flags) {
    auto it = p.by_flag.find(f);
    if (it == p.by_flag.end()) continue;
    if (it->second == Expect::kReject) return Expect::kReject;
    e = it->second;
  }
  return e;
}

}  // namespace

Profile LibraryProfile() {
  // fixtures/README.md, "Profiles", column strict; flags not listed: either.
  Profile p;
  p.by_flag = {
      {"LowOrderPublicKey", Expect::kReject},      // libsodium returns -1
      {"PlaintextFallback", Expect::kReject},      // default PayloadCodecOptions: Error(kMissingRole)
      {"LaxBase64", Expect::kReject},              // strict base64 everywhere
      {"CborTrailingData", Expect::kReject},       // exactly one data item
      {"CborTag", Expect::kReject},                // no such values in the value model
      {"MsgPackExtType", Expect::kReject},         // likewise
      {"HexKey", Expect::kAccept},                 // keys in base64 or hex
      {"RedundantPublicKey", Expect::kAccept},     // a matching public key is fine
      {"NonCanonicalPublicKey", Expect::kAccept},  // libsodium computes them (unless low order: reject wins)
      {"PublicKeyHighBit", Expect::kAccept},
  };
  return p;
}

Profile BackendProfile(const CryptoBackend& b) {
  Profile p = LibraryProfile();
  p.strict_error_codes = false;
  switch (b.low_order_policy()) {
    case LowOrderPolicy::kReject: p.by_flag["LowOrderPublicKey"] = Expect::kReject; break;
    case LowOrderPolicy::kCompute: p.by_flag["LowOrderPublicKey"] = Expect::kAccept; break;
    case LowOrderPolicy::kPartial: p.by_flag.erase("LowOrderPublicKey"); break;
  }
  // Whether a backend computes non-canonical keys is its own business (the
  // report counts them); only the outputs must be right when it does.
  p.by_flag.erase("NonCanonicalPublicKey");
  p.by_flag.erase("PublicKeyHighBit");
  return p;
}

Verdict JudgeVector(Vector& v, const OpContext& ctx, const Profile& p) {
  Verdict out;
  out.expect = ExpectationOf(v, p);
  Attrs& t = *v.test;
  const bool reject_only = out.expect == Expect::kReject && v.result == "invalid";
  std::vector<const ProtocolOp*> checks;
  for (std::string_view name : ChecksFor(v.op, reject_only)) checks.push_back(FindProtocolOp(name));
  // The fields of the direction not asked (an invalid box's msg, an invalid
  // frame's message) are part of the vector, not of any check.
  for (std::string_view name : ChecksFor(v.op, false)) {
    const ProtocolOp* op = FindProtocolOp(name);
    for (auto f : op->group_inputs) {
      if (!t.has(f)) t.adopt(*v.group, f);
    }
    if (!reject_only) continue;
    for (auto f : op->inputs) {
      if (t.has(f)) t.skip(f);
    }
    for (auto f : op->outputs) {
      if (t.has(f)) t.skip(f);
    }
  }
  // payload_decode's informative plaintext: what the keyring's box for the URI
  // opens the payload to (fixtures/README.md).
  std::string informative;
  if (v.op == "payload_decode" && t.has("plaintext") && !t.is_null("plaintext")) {
    Attrs c = t;
    Bytes want = t.hex("plaintext");
    try {
      KeyRing ring = ToKeyRing(c.get("keyring"), t.where() + ".keyring");
      const Key* k = ring.find(c.str("uri"));
      if (k == nullptr) throw CorpusError("plaintext given but no key covers the URI");
      Bytes got;
      box_open_into(k->shared(ToRole(c.str("role"))), c.hex("payload"), got);
      if (got != want) informative = "informative plaintext differs: want " + Show(want) + ", got " + Show(got);
    } catch (const Error& e) {
      informative = std::string("plaintext given, but the keyring's box does not open the payload: ") + e.what();
    }
  }

  std::vector<Answer> answers;
  for (const ProtocolOp* op : checks) answers.push_back(Ask(*op, t, ctx));
  bool all_ok = true, all_rejected = true;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].status == Answer::kForeign) {
      out.detail = std::string(checks[i]->name) + ": " + answers[i].message;
      return out;
    }
    all_ok = all_ok && answers[i].status == Answer::kOk;
    all_rejected = all_rejected && answers[i].status == Answer::kRejected;
  }
  out.rejected = all_rejected;
  // Outputs of every accepted check (a box sealed to other bytes is wrong
  // output even when its opening direction was then refused).
  std::string mismatch;
  for (std::size_t i = 0; i < answers.size() && mismatch.empty(); ++i) {
    if (answers[i].status == Answer::kOk) mismatch = Outputs(t, *checks[i], answers[i]);
  }
  out.wrong_output = !mismatch.empty();
  auto error_ok = [&]() -> std::string {
    if (!p.strict_error_codes || !v.error) return "";
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (!SameError(*v.error, answers[i].code)) {
        return std::string(checks[i]->name) + ": rejected with " + answers[i].code + " (" + answers[i].message +
               "), the vector expects " + *v.error;
      }
    }
    return "";
  };
  auto first_rejection = [&]() -> std::string {
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (answers[i].status == Answer::kRejected) {
        return std::string(checks[i]->name) + ": " + answers[i].code + ": " + answers[i].message;
      }
    }
    return "";
  };
  switch (out.expect) {
    case Expect::kAccept:
      if (!mismatch.empty()) {
        out.detail = "wrong output: " + mismatch + (all_ok ? "" : "; and " + first_rejection());
      } else if (!all_ok) {
        out.detail = (v.result == "valid" ? "valid vector rejected: " : "the profile accepts this, but: ") +
                     first_rejection();
      }
      break;
    case Expect::kReject:
      if (!all_rejected) {
        out.detail = v.result == "invalid" ? "invalid vector accepted" : "the profile rejects this, but it was accepted";
        if (!mismatch.empty()) out.detail += " (with other outputs: " + mismatch + ")";
      } else {
        out.detail = error_ok();
      }
      break;
    case Expect::kEither:
      if (all_rejected) {
        out.detail = error_ok();
      } else if (!mismatch.empty()) {
        out.detail = "acceptable vector accepted with other outputs: " + mismatch;
      } else if (!all_ok) {
        out.detail = "acceptable vector accepted in one direction and rejected in the other: " + first_rejection();
      }
      break;
  }
  if (out.detail.empty() && !informative.empty()) out.detail = informative;
  // A rejected check leaves its outputs unread: they are what an accepting
  // profile must produce (e.g. TweetNaCl's shared key for a low-order point).
  for (const ProtocolOp* op : checks) {
    for (auto f : op->outputs) {
      if (t.has(f)) t.skip(f);
    }
  }
  out.pass = out.detail.empty();
  if (!out.pass || v.result != "valid") return out;

  // Derived negative checks: each damaged input must be rejected or give other outputs.
  for (const ProtocolOp* op : checks) {
    for (const Damage& d : Damages()) {
      if (d.op != op->name) continue;
      Attrs damaged = t;
      Bytes value = damaged.hex(d.field);
      if (!d.apply(damaged, value)) continue;
      damaged.replace_hex(d.field, value);
      ++out.derived;
      Answer a = Ask(*op, damaged, ctx);
      std::string why;
      if (a.status == Answer::kForeign) {
        why = a.message;
      } else if (a.status == Answer::kOk) {
        Attrs expected = t;
        if (Outputs(expected, *op, a).empty()) why = "the damaged input still passes";
      }
      if (!why.empty()) {
        out.pass = false;
        out.detail = "derived check '" + std::string(d.name) + "' (" + std::string(op->name) + "): " + why;
        return out;
      }
    }
  }
  return out;
}

}  // namespace wampbox::vectors

// wampbox_floatdiff: the C++ side of the float differential test against
// CPython (scripts/floatdiff.py drives it; tests/py/test_floatdiff.py runs
// 10^5 doubles in the test command, scripts/run.sh's floatdiff stage 10^7).
//
// It is a filter over stdin/stdout that pushes floats through wampbox's public
// JSON API, so what is compared is exactly what a sender writes and a receiver
// reads, not a helper function:
//
//   "repr N\n" + N little-endian binary64    -> json_write(Array of N floats) + "\n"
//   "parse N\n" + N lines, one JSON number   -> 1 byte: 'D' if simdjson's DOM parser accepted
//                                               "[t1,...,tN]" (else the fallback reader parsed
//                                               it), then N binary64 from json_parse of that
//                                               document, then N binary64 from json_parse of
//                                               "[t1,...,tN,NaN]", which simdjson always
//                                               rejects, so the fallback reader's results
//   "quit\n" or end of input                  -> exit 0
//
// Any wampbox error is printed to stderr and exits 1; bad requests exit 2.
// --perturb K flips the lowest bit of the K-th value overall (0-based; in repr
// requests before writing, in parse requests in the DOM results), so that the
// driver's comparison can be shown to fail (its negative control).
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/value.h"

namespace {

bool read_exact(void* p, std::size_t n) { return std::fread(p, 1, n, stdin) == n; }

void write_all(const void* p, std::size_t n) {
  if (std::fwrite(p, 1, n, stdout) != n) {
    std::perror("wampbox_floatdiff: write");
    std::exit(1);
  }
}

double flip_low_bit(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  u ^= 1;
  std::memcpy(&d, &u, 8);
  return d;
}

std::vector<double> floats_of(const wampbox::Value& v, std::size_t n) {
  const wampbox::Array& a = v.as_array();
  if (a.size() < n) throw std::runtime_error("parse returned too few elements");
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i].as_float();  // throws if not a float
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  long long perturb = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--perturb" && i + 1 < argc) {
      perturb = std::stoll(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: wampbox_floatdiff [--perturb K]  (requests on stdin; see the source)\n");
      return 2;
    }
  }
  long long seen = 0;  // values before this request
  std::string line, doc;
  simdjson::dom::parser dom;
  try {
    char head[64];
    while (std::fgets(head, sizeof head, stdin) != nullptr) {
      char op[16];
      unsigned long long n = 0;
      if (std::strcmp(head, "quit\n") == 0) break;
      if (std::sscanf(head, "%15s %llu", op, &n) != 2 || n > (1u << 20)) {
        std::fprintf(stderr, "wampbox_floatdiff: bad request line: %s", head);
        return 2;
      }
      if (std::strcmp(op, "repr") == 0) {
        std::vector<double> d(n);
        if (!read_exact(d.data(), 8 * n)) {
          std::fprintf(stderr, "wampbox_floatdiff: short input\n");
          return 2;
        }
        wampbox::Array a;
        a.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          a.emplace_back(seen + static_cast<long long>(i) == perturb ? flip_low_bit(d[i]) : d[i]);
        }
        std::string out = wampbox::json_write(wampbox::Value(std::move(a)));
        out.push_back('\n');
        write_all(out.data(), out.size());
      } else if (std::strcmp(op, "parse") == 0) {
        doc.assign("[");
        for (std::size_t i = 0; i < n; ++i) {
          line.clear();
          int c;
          while ((c = std::fgetc(stdin)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
          if (c == EOF) {
            std::fprintf(stderr, "wampbox_floatdiff: short input\n");
            return 2;
          }
          if (i) doc.push_back(',');
          doc += line;
        }
        doc.push_back(']');
        // Which reader json_parse will use for this document: the DOM path
        // only if simdjson accepts it (json_read.cc's strategy).
        simdjson::padded_string padded(doc);
        simdjson::dom::element root;
        const char path = dom.parse(padded).get(root) == simdjson::SUCCESS ? 'D' : 'F';
        std::vector<double> via_dom = floats_of(wampbox::json_parse(doc), n);
        doc.insert(doc.size() - 1, ",NaN");
        std::vector<double> via_fallback = floats_of(wampbox::json_parse(doc), n);
        if (perturb >= seen && perturb < seen + static_cast<long long>(n)) {
          via_dom[static_cast<std::size_t>(perturb - seen)] = flip_low_bit(via_dom[static_cast<std::size_t>(perturb - seen)]);
        }
        write_all(&path, 1);
        write_all(via_dom.data(), 8 * n);
        write_all(via_fallback.data(), 8 * n);
      } else {
        std::fprintf(stderr, "wampbox_floatdiff: unknown request %s\n", op);
        return 2;
      }
      std::fflush(stdout);
      seen += static_cast<long long>(n);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wampbox_floatdiff: %s\n", e.what());
    return 1;
  }
  return 0;
}

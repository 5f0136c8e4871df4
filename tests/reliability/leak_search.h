// The leak canaries' search: recognisable secrets and raw personal data
// ("needles") looked for in text, and in every file of a data directory,
// SST files also decoded (their blocks may be compressed, which would hide
// a needle from a raw search).
//
// Every hit is reported as a Boost.Test error naming what and where, so
// these are for Boost.Test cases only.
#ifndef OUTBOX_TESTS_RELIABILITY_LEAK_SEARCH_H_
#define OUTBOX_TESTS_RELIABILITY_LEAK_SEARCH_H_

#include <cstddef>
#include <string>
#include <vector>

namespace outbox::testing {

struct Needle {
  std::string what;   // "API key", "normalised email", ...
  std::string bytes;  // What must never appear.
};

// Counts every needle in `haystack`, reporting each hit as being in `where`.
size_t SearchText(const std::vector<Needle>& needles, const std::string& where,
                  const std::string& haystack);

struct DirectorySearch {
  size_t files = 0;  // Regular files read.
  size_t ssts = 0;   // Of which SST files, also searched decoded.
  size_t found = 0;  // Occurrences of any needle.
};

// Searches every regular file below `dir`.
DirectorySearch SearchDirectory(const std::vector<Needle>& needles,
                                const std::string& dir);

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_LEAK_SEARCH_H_

// Throwaway TLS material for tests, made with the openssl command (Debian's
// `openssl` package) in a test's temporary directory.
#ifndef OUTBOX_TESTS_GRPC_TEST_CERTIFICATES_H_
#define OUTBOX_TESTS_GRPC_TEST_CERTIFICATES_H_

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/outbox/test_util.h"

namespace outbox::grpc_service::testing {

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline constexpr char kOpensslConfig[] =
    "[req]\ndistinguished_name = dn\nprompt = no\n"
    "[dn]\nCN = outbox-test\n"
    "[ca_ext]\nbasicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign\n"
    "[server_ext]\nbasicConstraints = CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = serverAuth\n"
    "subjectAltName = IP:127.0.0.1,DNS:localhost\n";

// Makes, in `dir`, a CA ("NAME-ca.crt", "NAME-ca.key") and a server
// certificate for 127.0.0.1 and localhost that it signed ("NAME.crt",
// "NAME.key"), valid for two days.
inline void MakeCertificates(const outbox::testing::TempDir& dir,
                             const std::string& name) {
  const std::string p = dir.Sub(name);
  const std::string cnf = p + ".cnf";
  std::ofstream(cnf) << kOpensslConfig;
  const std::string new_key =
      " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config " + cnf;
  const std::string steps[] = {
      // The CA: self-signed, allowed to sign certificates.
      "openssl req -x509 -extensions ca_ext -days 2 -subj /CN=test-ca" +
          new_key + " -keyout " + p + "-ca.key -out " + p + "-ca.crt",
      // The server's key and signing request, then the CA's signature.
      "openssl req -new -subj /CN=localhost" + new_key + " -keyout " + p +
          ".key -out " + p + ".csr",
      "openssl x509 -req -days 2 -set_serial 1 -extfile " + cnf +
          " -extensions server_ext -in " + p + ".csr -CA " + p +
          "-ca.crt -CAkey " + p + "-ca.key -out " + p + ".crt",
  };
  for (const std::string& step : steps) {
    int rc = std::system((step + " 2>" + p + ".log").c_str());
    BOOST_REQUIRE_MESSAGE(rc == 0, step + ": " + ReadTextFile(p + ".log"));
  }
}

}  // namespace outbox::grpc_service::testing

#endif  // OUTBOX_TESTS_GRPC_TEST_CERTIFICATES_H_

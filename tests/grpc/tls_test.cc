// TLS on the gRPC listener: a throwaway CA and server certificate are made
// with the openssl command at test time; a client that trusts the CA
// enqueues, a plaintext client and a client trusting another CA do not.
// Also the config side: --tls-cert-file/--tls-key-file are read, half a
// pair or an unreadable file is refused, and which listen addresses count
// as loopback (outboxd warns about plaintext on the others).
#include <boost/test/unit_test.hpp>

#include "grpc_service/config.h"
#include "tests/grpc/grpc_test_util.h"
#include "tests/grpc/test_certificates.h"

namespace outbox::grpc_service::testing {
namespace {

struct TlsFixture : ServerFixture {
  TlsFixture() {
    MakeCertificates(dir, "server");
    MakeCertificates(dir, "other");
    ServerOptions options;
    options.tls_cert_chain_pem = ReadTextFile(dir.Sub("server.crt"));
    options.tls_private_key_pem = ReadTextFile(dir.Sub("server.key"));
    StartServer(options);
  }

  // Enqueues one event over a fresh channel with `credentials`.
  grpc::Status EnqueueWith(std::shared_ptr<grpc::ChannelCredentials> creds,
                           const std::string& id) {
    auto stub = v1::Outbox::NewStub(
        grpc::CreateChannel(server->address(), std::move(creds)));
    grpc::ClientContext context;
    context.set_deadline(In(10000));
    v1::EnqueueResponse response;
    return stub->Enqueue(&context, MakeRequest({id}), &response);
  }

  std::shared_ptr<grpc::ChannelCredentials> Trusting(const std::string& ca) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadTextFile(dir.Sub(ca));
    return grpc::SslCredentials(ssl);
  }

  bool Stored(const std::string& id) {
    auto key = DedupKey::Create("px_test", "order_created", id);
    return outbox->Get(*key).ok();
  }
};

BOOST_FIXTURE_TEST_SUITE(TlsTest, TlsFixture)

BOOST_AUTO_TEST_CASE(ClientTrustingTheCaEnqueues) {
  grpc::Status s = EnqueueWith(Trusting("server-ca.crt"), "tls-1");
  BOOST_TEST(s.ok(), s.error_message());
  BOOST_TEST(Stored("tls-1"));
}

BOOST_AUTO_TEST_CASE(PlaintextClientIsRefused) {
  grpc::Status s =
      EnqueueWith(grpc::InsecureChannelCredentials(), "plaintext-1");
  BOOST_TEST(!s.ok());
  BOOST_TEST((s.error_code() == grpc::StatusCode::UNAVAILABLE),
             s.error_message());
  BOOST_TEST(!Stored("plaintext-1"));
}

BOOST_AUTO_TEST_CASE(ClientTrustingAnotherCaIsRefused) {
  grpc::Status s = EnqueueWith(Trusting("other-ca.crt"), "wrong-ca-1");
  BOOST_TEST((s.error_code() == grpc::StatusCode::UNAVAILABLE),
             s.error_message());
  BOOST_TEST(!Stored("wrong-ca-1"));
}

BOOST_AUTO_TEST_SUITE_END()

struct CertificateFixture {
  CertificateFixture() { MakeCertificates(dir, "server"); }
  outbox::testing::TempDir dir;
};

BOOST_FIXTURE_TEST_SUITE(TlsConfigTest, CertificateFixture)

BOOST_AUTO_TEST_CASE(ConfigReadsTheCertificateAndKeyFiles) {
  LoadResult r = LoadConfig(
      {"--data-dir", dir.Sub("data"), "--tls-cert-file", dir.Sub("server.crt"),
       "--tls-key-file", dir.Sub("server.key")},
      {{"OPENAI_CONVERSIONS_API_KEY", "sk-tls"}});
  BOOST_TEST(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.tls_cert_pem == ReadTextFile(dir.Sub("server.crt")));
  BOOST_TEST(r.config.tls_key_pem == ReadTextFile(dir.Sub("server.key")));
  std::string printed = FormatConfig(r.config, r.origins);
  BOOST_TEST(printed.find("PRIVATE KEY") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(ConfigRefusesHalfAPairAndUnreadableFiles) {
  Environment env{{"OPENAI_CONVERSIONS_API_KEY", "sk-tls"}};
  LoadResult half = LoadConfig(
      {"--data-dir", "/d", "--tls-cert-file", dir.Sub("server.crt")}, env);
  BOOST_TEST(half.exit_code == kExitConfig);
  BOOST_TEST(half.message.find("tls_key_file") != std::string::npos,
             half.message);
  std::string missing = dir.Sub("no-such.key");
  LoadResult unreadable =
      LoadConfig({"--data-dir", "/d", "--tls-cert-file", dir.Sub("server.crt"),
                  "--tls-key-file", missing},
                 env);
  BOOST_TEST(unreadable.exit_code == kExitConfig);
  BOOST_TEST(unreadable.message.find(missing) != std::string::npos,
             unreadable.message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ListenAddressTest)

BOOST_AUTO_TEST_CASE(LoopbackListenAddressesAreTheLocalOnes) {
  for (const char* local : {"127.0.0.1:50051", "127.9.9.9:0", "[::1]:50051",
                            "localhost:50051", "unix:/run/outboxd.sock"}) {
    BOOST_TEST(IsLoopbackListenAddress(local), local);
  }
  for (const char* remote : {"0.0.0.0:50051", "[::]:50051", "10.0.0.7:50051",
                             "outbox.internal:50051"}) {
    BOOST_TEST(!IsLoopbackListenAddress(remote), remote);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing

// grpc-noop-server: the gRPC ceiling. Serves outbox.v1.Outbox/Enqueue on the
// callback API, as outboxd does, but stores nothing: it answers each call
// with one result per event (the key echoed back) at once. The load client
// measured against it and against outboxd sends the same messages, so their
// ratio is what the outbox adds on top of gRPC on this machine.
//
//   grpc-noop-server --listen 127.0.0.1:0 --port-file /tmp/port
//   grpc-noop-server --listen unix:/tmp/noop.sock --port-file /tmp/port
//
// The port file receives the bound TCP port (0 for a unix socket) once the
// server is listening. SIGTERM or SIGINT stops it.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "outbox/v1/outbox.grpc.pb.h"

namespace {

namespace v1 = outbox::v1;

class NoopOutboxService final : public v1::Outbox::CallbackService {
  grpc::ServerUnaryReactor* Enqueue(grpc::CallbackServerContext* context,
                                    const v1::EnqueueRequest* request,
                                    v1::EnqueueResponse* response) override {
    response->mutable_results()->Reserve(request->events_size());
    for (const v1::ConversionEvent& e : request->events()) {
      v1::DedupKey* key = response->add_results()->mutable_key();
      key->set_pixel_id(e.pixel_id());
      key->set_event_name(e.type());
      key->set_id(e.id());
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// Written whole, then renamed, so a poller never reads a partial number.
bool WritePortFile(const std::string& path, int port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0", port_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--listen") == 0) listen = argv[i + 1];
    if (std::strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
  }
  // Blocked before gRPC starts its threads, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  NoopOutboxService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const bool unix_socket = listen.rfind("unix:", 0) == 0;
  if (!server || (!unix_socket && port == 0)) {
    std::fprintf(stderr, "grpc-noop-server: cannot listen on %s\n",
                 listen.c_str());
    return 1;
  }
  if (!port_file.empty() && !WritePortFile(port_file, port)) {
    std::fprintf(stderr, "grpc-noop-server: cannot write %s\n",
                 port_file.c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown();
  return 0;
}

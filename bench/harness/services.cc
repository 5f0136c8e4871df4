#include "bench/harness/services.h"

#include <pwd.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "bench/harness/events.h"

namespace bench {
namespace fs = std::filesystem;
namespace {

using outbox::Status;
using outbox::StatusOr;

// Servers write their port file whole, ending in a newline.
bool PortFileReady(const std::string& path) {
  const std::string text = ReadFile(path);
  return !text.empty() && text.back() == '\n';
}

int ReadPortFile(const std::string& path) {
  return std::atoi(ReadFile(path).c_str());
}

// The newest installed PostgreSQL server, preferring 15 (the peer).
std::string PostgresBinDir() {
  for (const char* version : {"15", "16", "17", "14", "13"}) {
    const std::string dir =
        std::string("/usr/lib/postgresql/") + version + "/bin";
    if (access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
  }
  return "";
}

// A non-root account to run PostgreSQL as, or "" to run as ourselves.
std::string PostgresUser() {
  if (geteuid() != 0) return "";
  return getpwnam("postgres") != nullptr ? "postgres" : "nobody";
}

std::vector<std::string> AsUser(const std::string& user,
                                std::vector<std::string> argv) {
  if (user.empty()) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", user, "--"});
  return argv;
}

// The address outboxd's "serving" log line reports, or "".
std::string ServingAddress(const std::string& log) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("msg")) {
      continue;
    }
    if (std::string(doc["msg"].GetString()) == "serving" &&
        doc.HasMember("address") && doc["address"].IsString()) {
      return doc["address"].GetString();
    }
  }
  return "";
}

}  // namespace

StatusOr<std::unique_ptr<FakeCapiProcess>> FakeCapiProcess::Start(
    const std::string& binary, const std::string& work_dir,
    const std::string& validate) {
  const std::string port_file = work_dir + "/fake-capi.port";
  fs::remove(port_file);
  SpawnOptions options;
  options.stdout_path = work_dir + "/fake-capi.log";
  options.stderr_path = options.stdout_path;
  StatusOr<Child> child =
      Child::Spawn({binary, "--listen", "127.0.0.1:0", "--port-file", port_file,
                    "--validate", validate},
                   options);
  if (!child.ok()) return child.status();
  auto process = std::unique_ptr<FakeCapiProcess>(new FakeCapiProcess());
  process->child_ = std::move(*child);
  Child& c = process->child_;
  if (!WaitUntil([&] { return PortFileReady(port_file) || !c.running(); },
                 std::chrono::seconds(20)) ||
      !c.running()) {
    return Status::Unavailable("fake-capi did not start; see " +
                               options.stdout_path);
  }
  process->base_url_ =
      "http://127.0.0.1:" + std::to_string(ReadPortFile(port_file));
  return process;
}

StatusOr<std::unique_ptr<PostgresProcess>> PostgresProcess::Start(
    const std::string& dir, int max_connections) {
  auto pg = std::unique_ptr<PostgresProcess>(new PostgresProcess());
  pg->bin_dir_ = PostgresBinDir();
  if (pg->bin_dir_.empty()) {
    return Status::FailedPrecondition(
        "no PostgreSQL server found under /usr/lib/postgresql (apt-get "
        "install postgresql)");
  }
  pg->dir_ = dir;
  pg->user_ = PostgresUser();
  OUTBOX_RETURN_IF_ERROR(pg->InitDb());
  OUTBOX_RETURN_IF_ERROR(pg->StartServer(max_connections));
  pg->conninfo_ = "host=" + dir + " user=bench dbname=postgres";
  RunCommand({pg->bin_dir_ + "/postgres", "--version"}, &pg->version_);
  while (!pg->version_.empty() && pg->version_.back() == '\n') {
    pg->version_.pop_back();
  }
  return pg;
}

Status PostgresProcess::InitDb() {
  fs::create_directories(dir_);
  if (!user_.empty()) {
    const passwd* pw = getpwnam(user_.c_str());
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::Unavailable("cannot chown " + dir_ + " to " + user_);
    }
  }
  // --no-sync: the cluster is throwaway; only the measured commits must be
  // durable, and they are (fsync=on below).
  if (RunCommand(
          AsUser(user_, {bin_dir_ + "/initdb", "-D", dir_ + "/data", "-A",
                         "trust", "-U", "bench", "--no-sync", "-E", "UTF8"}),
          nullptr) != 0) {
    return Status::Unavailable("initdb failed in " + dir_);
  }
  return Status::Ok();
}

Status PostgresProcess::StartServer(int max_connections) {
  // Durable like the outbox: every commit waits for its WAL fsync.
  const std::string settings =
      "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
      "-c listen_addresses='' -c unix_socket_directories=" +
      dir_ + " -c max_connections=" + std::to_string(max_connections) +
      " -c shared_buffers=256MB -c max_wal_size=2GB";
  if (RunCommand(AsUser(user_, {bin_dir_ + "/pg_ctl", "-D", dir_ + "/data",
                                "-l", dir_ + "/postgres.log", "-o", settings,
                                "-w", "start"}),
                 nullptr) != 0) {
    return Status::Unavailable("PostgreSQL did not start; see " + dir_ +
                               "/postgres.log");
  }
  return Status::Ok();
}

PostgresProcess::~PostgresProcess() {
  RunCommand(AsUser(user_, {bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m",
                            "fast", "-w", "stop"}),
             nullptr);
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

StatusOr<GrpcServerProcess> StartOutboxd(const std::string& binary,
                                         const std::string& data_dir,
                                         const std::string& listen,
                                         const std::string& capi_url,
                                         const std::string& log_path) {
  SpawnOptions options;
  options.stdout_path = log_path;
  options.stderr_path = log_path;
  options.env = {std::string("OPENAI_CONVERSIONS_API_KEY=") + kFakeCapiKey};
  StatusOr<Child> child =
      Child::Spawn({binary, "--data-dir", data_dir, "--listen", listen,
                    "--capi-url", capi_url, "--log-format", "json"},
                   options);
  if (!child.ok()) return child.status();
  GrpcServerProcess server{std::move(*child), ""};
  WaitUntil(
      [&] {
        server.address = ServingAddress(ReadFile(log_path));
        return !server.address.empty() || !server.child.running();
      },
      std::chrono::seconds(120));
  if (server.address.empty()) {
    return Status::Unavailable("outboxd did not start serving; see " +
                               log_path);
  }
  return server;
}

StatusOr<GrpcServerProcess> StartNoopServer(const std::string& binary,
                                            const std::string& listen,
                                            const std::string& work_dir) {
  const std::string port_file = work_dir + "/noop.port";
  fs::remove(port_file);
  SpawnOptions options;
  options.stderr_path = work_dir + "/noop.log";
  StatusOr<Child> child = Child::Spawn(
      {binary, "--listen", listen, "--port-file", port_file}, options);
  if (!child.ok()) return child.status();
  GrpcServerProcess server{std::move(*child), ""};
  if (!WaitUntil([&] { return PortFileReady(port_file); },
                 std::chrono::seconds(20))) {
    return Status::Unavailable("the no-op gRPC server did not start; see " +
                               options.stderr_path);
  }
  const bool unix_socket = listen.rfind("unix:", 0) == 0;
  server.address = unix_socket
                       ? listen
                       : "127.0.0.1:" + std::to_string(ReadPortFile(port_file));
  return server;
}

std::string FindTool(const std::string& name) {
  const std::string path = SelfDir() + "/" + name;
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

}  // namespace bench

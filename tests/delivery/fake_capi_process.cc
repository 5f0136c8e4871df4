#include "tests/delivery/fake_capi_process.h"

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace outbox::testing {
namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string Request(const std::string& url, const std::string* post_body) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status / 100 != 2) {
    throw std::runtime_error(url + ": " + curl_easy_strerror(rc) + " HTTP " +
                             std::to_string(status) + " " + body);
  }
  return body;
}

void Flatten(const rapidjson::Value& object, const std::string& prefix,
             std::map<std::string, double>* out) {
  for (const auto& member : object.GetObject()) {
    std::string name = prefix + member.name.GetString();
    if (member.value.IsNumber()) {
      (*out)[name] = member.value.GetDouble();
    } else if (member.value.IsObject()) {
      Flatten(member.value, name + ".", out);
    }
  }
}

void AddKey(const rapidjson::Value& v, std::map<std::string, int>* out) {
  std::string key = std::string(v["pixel"].GetString()) + "/" +
                    v["event_name"].GetString() + "/" + v["id"].GetString();
  (*out)[key] = v["times_accepted"].GetInt();
}

}  // namespace

std::string HttpGet(const std::string& url) { return Request(url, nullptr); }

std::string HttpPost(const std::string& url, const std::string& body) {
  return Request(url, &body);
}

FakeCapiProcess::FakeCapiProcess(const std::vector<std::string>& args) {
  std::string pattern =
      std::filesystem::temp_directory_path() / "fake-capi-XXXXXX";
  dir_ = mkdtemp(pattern.data());
  std::string port_file = dir_ + "/port";
  std::vector<std::string> argv = {FAKE_CAPI_PATH, "--listen", "127.0.0.1:0",
                                   "--port-file", port_file};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // Never outlive a crashed test.
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    freopen("/dev/null", "w", stdout);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (!(in >> port_)) {
      port_ = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (port_ == 0) throw std::runtime_error("fake-capi did not start");
}

FakeCapiProcess::~FakeCapiProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove_all(dir_);
}

std::string FakeCapiProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeCapiProcess::Control(const std::string& json) {
  HttpPost(base_url() + "/control", json);
}

std::map<std::string, double> FakeCapiProcess::Stats() {
  rapidjson::Document doc;
  doc.Parse(HttpGet(base_url() + "/stats").c_str());
  std::map<std::string, double> out;
  if (doc.IsObject()) Flatten(doc, "", &out);
  return out;
}

std::map<std::string, int> FakeCapiProcess::AcceptedKeys() {
  std::string body = HttpGet(base_url() + "/keys");
  std::map<std::string, int> out;
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (!doc.HasParseError() && doc.IsArray()) {
    for (const auto& v : doc.GetArray()) AddKey(v, &out);
    return out;
  }
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("keys")) {
    for (const auto& v : doc["keys"].GetArray()) AddKey(v, &out);
    return out;
  }
  std::istringstream lines(body);  // JSON lines
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    rapidjson::Document item;
    item.Parse(line.c_str());
    if (item.IsObject()) AddKey(item, &out);
  }
  return out;
}

}  // namespace outbox::testing

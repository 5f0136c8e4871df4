#include "bench/harness/machine.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <thread>

#include "bench/harness/process.h"

namespace bench {
namespace {

std::string CpuModel() {
  std::istringstream lines(ReadFile("/proc/cpuinfo"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// The mount whose mount point is the longest prefix of `path`.
void FindMount(const std::string& path, std::string* fs, std::string* dev) {
  char resolved[PATH_MAX];
  std::string real = realpath(path.c_str(), resolved) ? resolved : path;
  std::istringstream lines(ReadFile("/proc/mounts"));
  std::string device, mount_point, type, rest;
  size_t best = 0;
  while (lines >> device >> mount_point >> type && std::getline(lines, rest)) {
    const bool under = real.rfind(mount_point, 0) == 0 &&
                       (real.size() == mount_point.size() ||
                        mount_point == "/" || real[mount_point.size()] == '/');
    if (under && mount_point.size() >= best) {
      best = mount_point.size();
      *fs = type;
      *dev = device;
    }
  }
}

}  // namespace

std::string MachineInfo::Line() const {
  char load[32];
  std::snprintf(load, sizeof load, "%.1f", load_average);
  return std::to_string(cores) + " cores, " + cpu_model + ", " +
         std::to_string(memory_mb / 1024) + " GiB, Linux " + kernel +
         "; data dir " + data_dir + " on " + data_fs + " (" + data_device +
         "); load " + load + " at start";
}

MachineInfo DescribeMachine(const std::string& data_dir) {
  MachineInfo m;
  m.cores = static_cast<int>(std::thread::hardware_concurrency());
  m.cpu_model = CpuModel();
  m.memory_mb = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
  struct utsname u;
  if (uname(&u) == 0) m.kernel = u.release;
  m.data_dir = data_dir;
  FindMount(data_dir, &m.data_fs, &m.data_device);
  double loads[1];
  if (getloadavg(loads, 1) == 1) m.load_average = loads[0];
  return m;
}

std::string UtcTimestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace bench

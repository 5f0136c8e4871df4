// The machine line printed with every result: figures from different
// machines (or from one machine on a busy day) are not comparable, so each
// table says where it was measured.
#ifndef BENCH_HARNESS_MACHINE_H_
#define BENCH_HARNESS_MACHINE_H_

#include <string>

namespace bench {

struct MachineInfo {
  int cores = 0;
  std::string cpu_model;
  long memory_mb = 0;
  std::string kernel;
  std::string data_dir;
  std::string data_fs;      // Filesystem type of data_dir, e.g. "ext4".
  std::string data_device;  // What is mounted there, e.g. "/dev/vda".
  double load_average = 0;  // 1-minute load when the bench started.

  // "2 cores, AMD EPYC, 23 GiB, Linux 6.1; data dir /tmp/x on ext4
  // (/dev/vda); load 5.9 at start".
  std::string Line() const;
};

// Describes this machine and the filesystem holding `data_dir`.
MachineInfo DescribeMachine(const std::string& data_dir);

// The current UTC time as "2026-05-20T14:05:00Z".
std::string UtcTimestamp();

}  // namespace bench

#endif  // BENCH_HARNESS_MACHINE_H_

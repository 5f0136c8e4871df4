// Child process of durability_test: enqueues events from several threads as
// fast as it can and prints "ACK <id>" for each acknowledged one, until it is
// killed. Usage: crash_child DATA_DIR ID_PREFIX
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "outbox/outbox.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: crash_child DATA_DIR ID_PREFIX\n");
    return 64;
  }
  outbox::Options options;
  options.data_dir = argv[1];
  auto opened = outbox::Outbox::Open(options);
  if (!opened.ok()) {
    fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  outbox::Outbox& box = **opened;
  const std::string prefix = argv[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&box, &prefix, t] {
      for (int n = 0;; ++n) {
        outbox::Event e;
        e.pixel_id = "px_" + std::to_string(t % 2);
        e.id = prefix + "-" + std::to_string(t) + "-" + std::to_string(n);
        e.type = "lead_created";
        e.timestamp_ms = outbox::SystemClock()->NowMs();
        e.data.type = "customer_action";
        std::vector<outbox::EnqueueResult> results;
        if (!box.Enqueue({e}, &results).ok()) continue;
        // One write(2) per line: a line is either whole in the pipe or not
        // there, whenever the kill lands.
        std::string line = "ACK " + e.pixel_id + " " + e.id + "\n";
        if (write(1, line.data(), line.size()) < 0) return;
      }
    });
  }
  for (auto& t : threads) t.join();
}

// The commands that change the daemon's state: purge, pause and resume.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "tools/outboxctl/audit_log.h"
#include "tools/outboxctl/commands.h"

namespace outbox::ctl {
namespace {

// Asks on the terminal; false when stdin is not one or the answer is no.
bool Confirm(const std::string& question) {
  if (!isatty(STDIN_FILENO)) return false;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

// Adds the keys and counts of `part` to `*total`.
void Merge(v1::PurgeResponse* part, v1::PurgeResponse* total) {
  total->set_matched(total->matched() + part->matched());
  total->set_purged(total->purged() + part->purged());
  for (auto& o : *part->mutable_outcomes()) *total->add_outcomes() = o;
}

// Previews the purge of `selection` (dry runs, page after page): the set
// purged is then frozen as the keys found here.
int PreviewPurge(AdminClient& client, const Selection& selection,
                 v1::PurgeResponse* preview) {
  v1::PurgeRequest request;
  v1::EventFilter filter;
  int code = FillSelection(selection, request.mutable_keys(), &filter);
  if (code != kExitOk) return code;
  if (request.keys().empty()) *request.mutable_filter() = filter;
  request.set_dry_run(true);
  std::string left;  // A token left over when --limit stopped the paging.
  grpc::Status status = ForEachSelectionPage(
      "matching", selection.limit,
      [&](const std::string& token, uint32_t remaining, std::string* next,
          size_t* gathered) {
        request.set_page_token(token);
        if (request.keys().empty()) request.set_limit(remaining);
        v1::PurgeResponse part;
        grpc::Status s =
            client.stub().Purge(client.NewContext().get(), request, &part);
        *gathered += part.outcomes_size();
        left = *next = part.next_page_token();
        Merge(&part, preview);
        return s;
      });
  if (!status.ok()) return client.Fail("purge", status);
  preview->set_truncated(preview->truncated() || !left.empty());
  return kExitOk;
}

// The selections purge acts on: the given one, or its DEAD and EXPIRED
// records when it names neither keys nor a state.
std::vector<Selection> PurgeSelections(const Selection& given) {
  if (!given.keys.empty() || !given.filter.state.empty()) return {given};
  Selection dead = given, expired = given;
  dead.filter.state = "dead";
  expired.filter.state = "expired";
  return {dead, expired};
}

// Purges `keys` in chunks (one RPC each), with progress on a terminal.
grpc::Status PurgeKeys(AdminClient& client,
                       const std::vector<v1::DedupKey>& keys,
                       v1::PurgeResponse* total) {
  constexpr size_t kChunk = 1000;
  bool progress = isatty(STDERR_FILENO) && keys.size() > kChunk;
  for (size_t i = 0; i < keys.size(); i += kChunk) {
    v1::PurgeRequest request;
    for (size_t k = i; k < std::min(keys.size(), i + kChunk); ++k) {
      *request.add_keys() = keys[k];
    }
    v1::PurgeResponse part;
    grpc::Status status =
        client.stub().Purge(client.NewContext().get(), request, &part);
    if (!status.ok()) return status;
    Merge(&part, total);
    if (progress) {
      std::cerr << "\rpurged " << total->purged() << "/" << keys.size()
                << std::flush;
    }
  }
  if (progress) std::cerr << "\n";
  return grpc::Status::OK;
}

void PrintPurge(const v1::PurgeResponse& r, bool dry_run, Format format) {
  if (format != Format::kTable) {
    std::cout << ToJson(r) << "\n";
    return;
  }
  for (const v1::KeyOutcome& o : r.outcomes()) {
    if (o.code() != 0) continue;
    std::cout << (dry_run ? "would purge " : "purged ") << o.key().pixel_id()
              << "/" << o.key().event_name() << "/" << o.key().id() << "\n";
  }
  std::cerr << (dry_run ? "would purge " : "purged ") << r.purged() << " of "
            << r.matched() << " matched"
            << (r.truncated() ? " (more match: raise --limit)" : "") << "\n";
}

}  // namespace

int RunPurge(AdminClient& client, const PurgeFlags& flags) {
  v1::PurgeResponse preview;
  for (const Selection& selection : PurgeSelections(flags.selection)) {
    int code = PreviewPurge(client, selection, &preview);
    if (code != kExitOk) return code;
  }
  if (flags.dry_run) {
    PrintPurge(preview, true, flags.format);
    return kExitOk;
  }
  if (preview.purged() == 0) {
    std::cerr << "nothing to purge (" << preview.matched() << " matched)\n";
    return preview.matched() == preview.purged() ? kExitOk : kExitFailed;
  }
  std::string question =
      "purge " + std::to_string(preview.purged()) + " records for good?";
  if (!flags.yes && !Confirm(question)) {
    return Complain(kExitFailed,
                    "refusing to purge " + std::to_string(preview.purged()) +
                        " records without --yes (see them with --dry-run)");
  }
  // Purge exactly the keys previewed: records failing meanwhile stay.
  std::vector<v1::DedupKey> frozen;
  for (const v1::KeyOutcome& o : preview.outcomes()) {
    if (o.code() == 0) frozen.push_back(o.key());
  }
  v1::PurgeResponse response;
  grpc::Status status = PurgeKeys(client, frozen, &response);
  AuditEntry audit{"purge",
                   client.server(),
                   DescribeSelection(flags.selection),
                   response.matched(),
                   response.purged(),
                   false,
                   status.ok() ? 0 : kExitFailed};
  WriteAudit(flags.audit_log, audit);
  if (!status.ok()) return client.Fail("purge", status);
  PrintPurge(response, false, flags.format);
  if (response.purged() == response.matched()) return kExitOk;
  return Complain(kExitPartial,
                  std::to_string(response.matched() - response.purged()) +
                      " records were not purged (being delivered?) — run "
                      "purge again, or see them with -o json");
}

int RunPause(AdminClient& client, const std::string& pixel, bool resume,
             const std::string& audit_log) {
  grpc::Status status;
  if (resume) {
    v1::ResumeDeliveryRequest request;
    request.set_pixel_id(pixel);
    v1::ResumeDeliveryResponse response;
    status = client.stub().ResumeDelivery(client.NewContext().get(), request,
                                          &response);
  } else {
    v1::PauseDeliveryRequest request;
    request.set_pixel_id(pixel);
    v1::PauseDeliveryResponse response;
    status = client.stub().PauseDelivery(client.NewContext().get(), request,
                                         &response);
  }
  const char* verb = resume ? "resume" : "pause";
  std::string target = pixel.empty() ? "all pixels" : "pixel=" + pixel;
  WriteAudit(audit_log,
             {verb, client.server(), target, 0, status.ok() ? 1u : 0u, false,
              status.ok() ? 0 : kExitFailed});
  if (!status.ok()) return client.Fail(verb, status);
  std::cout << (resume ? "resumed " : "paused ") << target << "\n";
  return kExitOk;
}

}  // namespace outbox::ctl

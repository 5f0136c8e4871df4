// The commands that change the daemon's state: purge, pause, resume, and the
// key selection they share with replay.
#include <unistd.h>

#include <iostream>

#include "tools/outboxctl/audit_log.h"
#include "tools/outboxctl/commands.h"
#include "tools/outboxctl/key_text.h"

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

// Previews the purge of `selection` (dry run): the set purged is then
// frozen as the keys found here.
int PreviewPurge(AdminClient& client, const Selection& selection,
                 v1::PurgeResponse* preview) {
  v1::PurgeRequest request;
  v1::EventFilter filter;
  int code = FillSelection(selection, request.mutable_keys(), &filter);
  if (code != kExitOk) return code;
  if (request.keys().empty()) *request.mutable_filter() = filter;
  request.set_dry_run(true);
  request.set_limit(selection.limit);
  grpc::Status status =
      client.stub().Purge(client.NewContext().get(), request, preview);
  if (!status.ok()) return client.Fail("purge", status);
  return kExitOk;
}

// The selections purge acts on: the given one, or DEAD and EXPIRED records.
std::vector<Selection> PurgeSelections(const Selection& given) {
  if (!given.keys.empty() || !given.state.empty()) return {given};
  Selection dead = given, expired = given;
  dead.state = "dead";
  expired.state = "expired";
  return {dead, expired};
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
            << r.matched() << " matched\n";
}

}  // namespace

int FillSelection(const Selection& selection,
                  google::protobuf::RepeatedPtrField<v1::DedupKey>* keys,
                  v1::EventFilter* filter) {
  bool has_filter = !selection.state.empty() || !selection.pixel.empty();
  if (selection.keys.empty() == !has_filter) {
    return Complain(kExitUsage,
                    "give keys (PIXEL/EVENT_NAME/ID) or a filter (--state, "
                    "--pixel), not both or neither");
  }
  for (const std::string& text : selection.keys) {
    std::string error;
    if (!ParseKeyText(text, keys->Add(), &error)) {
      return Complain(kExitUsage, error);
    }
  }
  v1::State state = v1::STATE_UNSPECIFIED;
  if (!selection.state.empty() && !ParseState(selection.state, &state)) {
    return Complain(kExitUsage,
                    "--state: one of pending, in_flight, "
                    "delivered, dead, expired");
  }
  filter->set_state(state);
  filter->set_pixel_id(selection.pixel);
  return kExitOk;
}

std::string DescribeSelection(const Selection& s) {
  if (!s.keys.empty()) return "keys=" + std::to_string(s.keys.size());
  std::string out;
  if (!s.state.empty()) out += "state=" + s.state;
  if (!s.pixel.empty()) out += (out.empty() ? "" : " ") + ("pixel=" + s.pixel);
  return out;
}

int RunPurge(AdminClient& client, const PurgeFlags& flags) {
  v1::PurgeResponse preview;
  for (const Selection& selection : PurgeSelections(flags.selection)) {
    v1::PurgeResponse part;
    int code = PreviewPurge(client, selection, &part);
    if (code != kExitOk) return code;
    preview.set_matched(preview.matched() + part.matched());
    preview.set_purged(preview.purged() + part.purged());
    preview.set_truncated(preview.truncated() || part.truncated());
    for (auto& o : *part.mutable_outcomes()) *preview.add_outcomes() = o;
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
  v1::PurgeRequest request;
  for (const v1::KeyOutcome& o : preview.outcomes()) {
    if (o.code() == 0) *request.add_keys() = o.key();
  }
  v1::PurgeResponse response;
  grpc::Status status =
      client.stub().Purge(client.NewContext().get(), request, &response);
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

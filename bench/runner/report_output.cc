// The report's three forms: a Markdown table for stdout and the README, and
// JSON and CSV files for tools.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdio>
#include <fstream>

#include "bench/runner/report.h"

namespace bench {
namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

std::string Latency(const ReportRow& row) {
  if (!row.p50_ms || !row.p99_ms || !row.p999_ms) return "";
  char text[96];
  std::snprintf(text, sizeof text, "%.2f / %.2f / %.2f ms", row.p50_ms->median,
                row.p99_ms->median, row.p999_ms->median);
  return text;
}

std::string Range(const ReportRow& row) {
  if (row.value.n == 0) return "";
  return FormatValue(row.value.min, row.unit, false) + " – " +
         FormatValue(row.value.max, row.unit, false) + " (" +
         std::to_string(row.value.n) + ")";
}

void Key(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str());
}

void Key(JsonWriter& w, const char* key, double value) {
  w.Key(key);
  w.Double(value);
}

void WriteMachine(JsonWriter& w, const MachineInfo& m) {
  w.Key("machine");
  w.StartObject();
  Key(w, "line", m.Line());
  Key(w, "cores", m.cores);
  Key(w, "cpu_model", m.cpu_model);
  Key(w, "memory_mb", static_cast<double>(m.memory_mb));
  Key(w, "kernel", m.kernel);
  Key(w, "data_dir", m.data_dir);
  Key(w, "data_fs", m.data_fs);
  Key(w, "data_device", m.data_device);
  Key(w, "load_average_at_start", m.load_average);
  w.EndObject();
}

void WriteVariant(JsonWriter& w, const Variant& v, const VariantResult* r) {
  w.StartObject();
  Key(w, "id", v.id);
  Key(w, "trial", v.trial);
  Key(w, "params", v.params.ToString());
  if (!v.skip.empty()) Key(w, "skipped", v.skip);
  w.Key("errors");
  w.StartArray();
  if (r)
    for (const std::string& e : r->errors) w.String(e.c_str());
  w.EndArray();
  w.Key("runs");
  w.StartArray();
  if (r) {
    for (const auto& run : r->runs) {
      if (!run) {
        w.Null();
        continue;
      }
      w.StartObject();
      for (const auto& [name, value] : *run) Key(w, name.c_str(), value);
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
}

void WriteRow(JsonWriter& w, const ReportRow& row) {
  w.StartObject();
  Key(w, "step", row.step);
  Key(w, "figure", row.figure);
  Key(w, "unit", row.unit);
  if (row.value.n > 0) {
    Key(w, "median", row.value.median);
    Key(w, "min", row.value.min);
    Key(w, "max", row.value.max);
  }
  Key(w, "n", static_cast<double>(row.value.n));
  if (row.p50_ms) Key(w, "p50_ms", row.p50_ms->median);
  if (row.p99_ms) Key(w, "p99_ms", row.p99_ms->median);
  if (row.p999_ms) Key(w, "p999_ms", row.p999_ms->median);
  Key(w, "target", row.target);
  Key(w, "verdict", row.verdict);
  w.EndObject();
}

std::string Json(const Report& report) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Key(w, "date", report.date);
  Key(w, "mode", report.mode);
  Key(w, "command", report.command);
  WriteMachine(w, report.machine);
  w.Key("notes");
  w.StartArray();
  for (const std::string& n : report.notes) w.String(n.c_str());
  w.EndArray();
  w.Key("rows");
  w.StartArray();
  for (const StepResult& s : report.steps) {
    for (const ReportRow& row : ComputeRows(s)) WriteRow(w, row);
  }
  w.EndArray();
  w.Key("steps");
  w.StartArray();
  for (const StepResult& s : report.steps) {
    w.StartObject();
    Key(w, "name", s.step.name);
    Key(w, "title", s.step.title);
    Key(w, "seconds", s.seconds);
    if (!s.error.empty()) Key(w, "error", s.error);
    w.Key("variants");
    w.StartArray();
    for (const Variant& v : s.step.variants) {
      auto it = s.variants.find(v.id);
      WriteVariant(w, v, it == s.variants.end() ? nullptr : &it->second);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString()) + "\n";
}

std::string CsvField(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string Csv(const Report& report) {
  std::string out =
      "step,figure,unit,median,min,max,n,p50_ms,p99_ms,p999_ms,target,"
      "verdict\n";
  for (const StepResult& s : report.steps) {
    for (const ReportRow& r : ComputeRows(s)) {
      const bool has = r.value.n > 0;
      out += CsvField(r.step) + "," + CsvField(r.figure) + "," +
             CsvField(r.unit) + "," + (has ? Number(r.value.median) : "") +
             "," + (has ? Number(r.value.min) : "") + "," +
             (has ? Number(r.value.max) : "") + "," +
             std::to_string(r.value.n) + "," +
             (r.p50_ms ? Number(r.p50_ms->median) : "") + "," +
             (r.p99_ms ? Number(r.p99_ms->median) : "") + "," +
             (r.p999_ms ? Number(r.p999_ms->median) : "") + "," +
             CsvField(r.target) + "," + CsvField(r.verdict) + "\n";
    }
  }
  return out;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

std::string FormatTable(const Report& report) {
  std::string out = "capi-outbox bench, " + report.date + " (" + report.mode +
                    "): medians of repeated runs, range (n) beside them; " +
                    "ratios are per run, then the median\n";
  out += "Machine: " + report.machine.Line() + "\n";
  out += "Command: " + report.command + "\n\n";
  out +=
      "| Figure | Median | Range (n) | p50 / p99 / p999 | Target | "
      "Verdict |\n|---|---:|---:|---:|---|---|\n";
  for (const StepResult& s : report.steps) {
    out += "| **" + s.step.title + "** | | | | | |\n";
    for (const ReportRow& r : ComputeRows(s)) {
      const std::string median =
          r.value.n > 0 ? FormatValue(r.value.median, r.unit) : "—";
      out += "| " + r.figure + " | " + median + " | " + Range(r) + " | " +
             Latency(r) + " | " + r.target + " | " + r.verdict + " |\n";
    }
  }
  if (!report.notes.empty()) {
    out += "\nNotes:\n";
    for (const std::string& note : report.notes) out += "- " + note + "\n";
  }
  return out;
}

bool WriteResults(const Report& report, const std::string& base) {
  return WriteFile(base + ".json", Json(report)) &&
         WriteFile(base + ".csv", Csv(report));
}

}  // namespace bench

// The embedded peer: the same outbox table in SQLite, WAL mode with
// synchronous=FULL (every commit fsyncs), one connection per thread.
// SQLite has one writer at a time and no SKIP LOCKED: concurrent callers
// queue on its lock, and the poller claims with BEGIN IMMEDIATE.
#include <sqlite3.h>

#include <memory>
#include <mutex>

#include "bench/harness/events.h"
#include "bench/harness/http_client.h"
#include "bench/trials/sql_peer.h"
#include "bench/trials/trials.h"

namespace bench {
namespace {

using outbox::Status;
using outbox::StatusOr;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

Status Exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) {
    return Status::Ok();
  }
  std::string text = message ? message : "unknown error";
  sqlite3_free(message);
  return Status::Unavailable(std::string("sqlite: ") + sql + ": " + text);
}

StatusOr<Db> OpenDb(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open(path.c_str(), &raw);
  Db db(raw);
  if (rc != SQLITE_OK)
    return Status::Unavailable("sqlite: cannot open " + path);
  sqlite3_busy_timeout(db.get(), 60000);
  OUTBOX_RETURN_IF_ERROR(
      Exec(db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL"));
  return db;
}

Status CreateTable(sqlite3* db) {
  return Exec(db,
              "CREATE TABLE IF NOT EXISTS outbox (pixel_id TEXT NOT NULL, "
              "event_name TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT "
              "NULL, state INTEGER NOT NULL DEFAULT 0, deadline_ms INTEGER NOT "
              "NULL, attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY "
              "(pixel_id, event_name, id));"
              "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (deadline_ms) "
              "WHERE state = 0");
}

Stmt Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  return Stmt(raw);
}

constexpr char kInsert[] =
    "INSERT OR IGNORE INTO outbox (pixel_id, event_name, id, payload, "
    "deadline_ms) VALUES (?, ?, ?, ?, ?)";

bool InsertRows(sqlite3* db, sqlite3_stmt* insert,
                const std::vector<PeerRow>& rows) {
  if (!Exec(db, "BEGIN IMMEDIATE").ok()) return false;
  for (const PeerRow& r : rows) {
    sqlite3_bind_text(insert, 1, r.pixel_id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, r.event_name.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, r.id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, r.payload.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 5, r.deadline_ms);
    const int rc = sqlite3_step(insert);
    sqlite3_reset(insert);
    if (rc != SQLITE_DONE) {
      Exec(db, "ROLLBACK").IgnoreError();
      return false;
    }
  }
  return Exec(db, "COMMIT").ok();
}

StatusOr<Metrics> Enqueue(const Params& p) {
  const std::string path = p.Str("work_dir") + "/outbox.sqlite";
  const int concurrency = static_cast<int>(p.Int("concurrency", 1));
  const int per_call = static_cast<int>(p.Int("events_per_call", 1));
  std::vector<Db> dbs;
  std::vector<Stmt> inserts;
  for (int w = 0; w < concurrency; ++w) {
    auto db = OpenDb(path);
    if (!db.ok()) return db.status();
    if (w == 0) OUTBOX_RETURN_IF_ERROR(CreateTable(db->get()));
    inserts.push_back(Prepare(db->get(), kInsert));
    dbs.push_back(std::move(*db));
  }
  return RunPeerEnqueueLoop(
      concurrency, per_call, p.Num("seconds", 5), [&](int w, uint64_t n) {
        const std::string prefix = "w" + std::to_string(w) + "-";
        return InsertRows(dbs[w].get(), inserts[w].get(),
                          MakeRows(prefix, n * per_call, per_call));
      });
}

Status Fill(sqlite3* db, uint64_t events) {
  OUTBOX_RETURN_IF_ERROR(CreateTable(db));
  Stmt insert = Prepare(db, kInsert);
  for (uint64_t n = 0; n < events; n += 10000) {
    std::vector<PeerRow> rows;
    for (uint64_t k = n; k < std::min(events, n + 10000); k += 1000) {
      std::vector<PeerRow> part = MakeRows("f", k, 1000, 1);
      rows.insert(rows.end(), part.begin(), part.end());
    }
    if (!InsertRows(db, insert.get(), rows)) {
      return Status::Unavailable(sqlite3_errmsg(db));
    }
  }
  return Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

// One poller iteration; returns rows delivered, 0 when none are left.
long DrainBatch(sqlite3* db, sqlite3_stmt* select, sqlite3_stmt* update,
                HttpClient& http, const std::string& url) {
  if (!Exec(db, "BEGIN IMMEDIATE").ok()) return -1;
  std::vector<int64_t> rowids;
  std::vector<std::string> payloads;
  while (sqlite3_step(select) == SQLITE_ROW) {
    rowids.push_back(sqlite3_column_int64(select, 0));
    payloads.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
  }
  sqlite3_reset(select);
  if (rowids.empty()) return Exec(db, "COMMIT").ok() ? 0 : -1;
  std::vector<const std::string*> pointers;
  for (const std::string& s : payloads) pointers.push_back(&s);
  if (http.Post(url, kFakeCapiKey,
                RequestBody(pointers.data(), pointers.size())) != 200) {
    Exec(db, "ROLLBACK").IgnoreError();
    return -1;
  }
  for (int64_t rowid : rowids) {
    sqlite3_bind_int64(update, 1, rowid);
    const int rc = sqlite3_step(update);
    sqlite3_reset(update);
    if (rc != SQLITE_DONE) return -1;
  }
  return Exec(db, "COMMIT").ok() ? static_cast<long>(rowids.size()) : -1;
}

StatusOr<Metrics> Drain(const Params& p) {
  const std::string path = p.Str("work_dir") + "/outbox.sqlite";
  const uint64_t events = static_cast<uint64_t>(p.Int("events", 1000000));
  auto db = OpenDb(path);
  if (!db.ok()) return db.status();
  OUTBOX_RETURN_IF_ERROR(Fill(db->get(), events));
  Stmt select = Prepare(db->get(),
                        "SELECT rowid, payload FROM outbox WHERE state = 0 "
                        "ORDER BY deadline_ms LIMIT 1000");
  Stmt update = Prepare(db->get(),
                        "UPDATE outbox SET state = 2, attempts = attempts + 1 "
                        "WHERE rowid = ?");
  const std::string url = p.Str("capi_url") + "?pid=" + PixelId(0);
  HttpClient http;
  std::string error;
  Metrics m = RunPeerDrainLoop(
      1,
      [&](int) {
        return DrainBatch(db->get(), select.get(), update.get(), http, url);
      },
      &error);
  if (!error.empty()) return Status::Unavailable("SQLite drain: " + error);
  return m;
}

}  // namespace

StatusOr<Metrics> SqliteTrial(const Params& p) {
  return p.Str("mode") == "drain" ? Drain(p) : Enqueue(p);
}

}  // namespace bench

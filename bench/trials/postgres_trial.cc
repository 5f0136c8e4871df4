// The PostgreSQL peer: "a table in PostgreSQL plus a poller", the classic
// transactional outbox, driven through libpq with the outbox's shapes.
//
// Enqueue: INSERT ... ON CONFLICT DO NOTHING on the dedup key, one
// autocommitted statement per call (1 or 100 rows), so each call waits for
// its WAL fsync as Enqueue waits for its synced write.
// Drain: BEGIN; SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1000; POST the
// batch to fake-capi; UPDATE the rows to delivered; COMMIT.
#include <libpq-fe.h>

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

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

StatusOr<Conn> Connect(const std::string& conninfo) {
  Conn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable(std::string("libpq: ") +
                               PQerrorMessage(conn.get()));
  }
  return conn;
}

bool Ok(const Result& r) {
  const ExecStatusType s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN;
}

Status Exec(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  if (Ok(r)) return Status::Ok();
  return Status::Unavailable(sql.substr(0, 40) + ": " + PQerrorMessage(conn));
}

// The table a PostgreSQL outbox would use: the dedup key as primary key
// and a partial index over pending rows, like the outbox's "due" index.
Status CreateTable(PGconn* conn) {
  return Exec(
      conn,
      "DROP TABLE IF EXISTS outbox;"
      "CREATE TABLE outbox (pixel_id text NOT NULL, event_name text "
      "NOT NULL, id text NOT NULL, payload text NOT NULL, state "
      "smallint NOT NULL DEFAULT 0, deadline_ms bigint NOT NULL, "
      "attempts int NOT NULL DEFAULT 0, PRIMARY KEY (pixel_id, "
      "event_name, id));"
      "CREATE INDEX outbox_due ON outbox (deadline_ms) WHERE state = 0");
}

std::string InsertSql(int rows) {
  std::string sql =
      "INSERT INTO outbox (pixel_id, event_name, id, payload, deadline_ms) "
      "VALUES ";
  for (int i = 0; i < rows; ++i) {
    const int b = i * 5;
    sql += (i ? ",(" : "(") + std::string("$") + std::to_string(b + 1) + ",$" +
           std::to_string(b + 2) + ",$" + std::to_string(b + 3) + ",$" +
           std::to_string(b + 4) + ",$" + std::to_string(b + 5) + ")";
  }
  return sql + " ON CONFLICT DO NOTHING";
}

bool InsertRows(PGconn* conn, const std::vector<PeerRow>& rows) {
  std::vector<std::string> deadlines;
  std::vector<const char*> values;
  deadlines.reserve(rows.size());
  for (const PeerRow& r : rows) {
    deadlines.push_back(std::to_string(r.deadline_ms));
    values.insert(values.end(),
                  {r.pixel_id.c_str(), r.event_name.c_str(), r.id.c_str(),
                   r.payload.c_str(), deadlines.back().c_str()});
  }
  Result r(PQexecPrepared(conn, "insert", static_cast<int>(values.size()),
                          values.data(), nullptr, nullptr, 0));
  return Ok(r);
}

StatusOr<Metrics> Enqueue(const Params& p) {
  const int concurrency = static_cast<int>(p.Int("concurrency", 1));
  const int per_call = static_cast<int>(p.Int("events_per_call", 1));
  auto setup = Connect(p.Str("pg"));
  if (!setup.ok()) return setup.status();
  OUTBOX_RETURN_IF_ERROR(CreateTable(setup->get()));
  std::vector<Conn> conns;
  for (int w = 0; w < concurrency; ++w) {
    auto conn = Connect(p.Str("pg"));
    if (!conn.ok()) return conn.status();
    Result prepared(PQprepare(conn->get(), "insert",
                              InsertSql(per_call).c_str(), 0, nullptr));
    if (!Ok(prepared)) return Status::Unavailable(PQerrorMessage(conn->get()));
    conns.push_back(std::move(*conn));
  }
  return RunPeerEnqueueLoop(
      concurrency, per_call, p.Num("seconds", 5), [&](int w, uint64_t n) {
        const std::string prefix = "w" + std::to_string(w) + "-";
        return InsertRows(conns[w].get(),
                          MakeRows(prefix, n * per_call, per_call));
      });
}

// COPY's text format: backslash, tab and line breaks must be escaped.
void AppendCopyField(const std::string& value, std::string* out) {
  for (char c : value) {
    if (c == '\\' || c == '\t' || c == '\n' || c == '\r') out->push_back('\\');
    out->push_back(c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c);
  }
}

// The backlog, loaded with COPY and then vacuumed and checkpointed, so the
// drain pays for neither the load nor its aftermath.
Status Fill(PGconn* conn, uint64_t events) {
  OUTBOX_RETURN_IF_ERROR(CreateTable(conn));
  OUTBOX_RETURN_IF_ERROR(Exec(conn,
                              "COPY outbox (pixel_id, event_name, id, payload, "
                              "deadline_ms) FROM STDIN"));
  for (uint64_t n = 0; n < events; n += 1000) {
    std::string chunk;
    for (const PeerRow& r : MakeRows("f", n, 1000, 1)) {
      chunk += r.pixel_id + '\t' + r.event_name + '\t' + r.id + '\t';
      AppendCopyField(r.payload, &chunk);
      chunk += '\t' + std::to_string(r.deadline_ms) + '\n';
    }
    if (PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size())) !=
        1) {
      return Status::Unavailable(PQerrorMessage(conn));
    }
  }
  if (PQputCopyEnd(conn, nullptr) != 1) {
    return Status::Unavailable(PQerrorMessage(conn));
  }
  Result copied(PQgetResult(conn));
  if (!Ok(copied)) return Status::Unavailable(PQerrorMessage(conn));
  OUTBOX_RETURN_IF_ERROR(Exec(conn, "VACUUM ANALYZE outbox"));
  return Exec(conn, "CHECKPOINT");
}

// One poller iteration; returns rows delivered, 0 when none are left.
long DrainBatch(PGconn* conn, HttpClient& http, const std::string& url,
                std::string* error) {
  if (!Exec(conn, "BEGIN").ok()) return -1;
  Result rows(PQexec(conn,
                     "SELECT ctid, payload FROM outbox WHERE state = 0 ORDER "
                     "BY deadline_ms LIMIT 1000 FOR UPDATE SKIP LOCKED"));
  const int n = Ok(rows) ? PQntuples(rows.get()) : -1;
  if (n <= 0) {
    Exec(conn, "COMMIT").IgnoreError();
    return n;
  }
  std::vector<std::string> payloads;
  std::string ctids = "{";
  for (int i = 0; i < n; ++i) {
    ctids +=
        std::string(i ? ",\"" : "\"") + PQgetvalue(rows.get(), i, 0) + "\"";
    payloads.emplace_back(PQgetvalue(rows.get(), i, 1));
  }
  ctids += "}";
  std::vector<const std::string*> pointers;
  for (const std::string& s : payloads) pointers.push_back(&s);
  const int status = http.Post(url, kFakeCapiKey,
                               RequestBody(pointers.data(), pointers.size()));
  if (status != 200) {
    *error = "fake-capi answered " + std::to_string(status);
    return -1;
  }
  const char* params[] = {ctids.c_str()};
  Result updated(PQexecParams(conn,
                              "UPDATE outbox SET state = 2, attempts = "
                              "attempts + 1 WHERE ctid = ANY($1::tid[])",
                              1, nullptr, params, nullptr, nullptr, 0));
  if (!Ok(updated) || !Exec(conn, "COMMIT").ok()) return -1;
  return n;
}

StatusOr<Metrics> Drain(const Params& p) {
  const uint64_t events = static_cast<uint64_t>(p.Int("events", 1000000));
  const int workers = static_cast<int>(p.Int("workers", 2));
  auto setup = Connect(p.Str("pg"));
  if (!setup.ok()) return setup.status();
  OUTBOX_RETURN_IF_ERROR(Fill(setup->get(), events));
  std::vector<Conn> conns;
  for (int w = 0; w < workers; ++w) {
    auto conn = Connect(p.Str("pg"));
    if (!conn.ok()) return conn.status();
    conns.push_back(std::move(*conn));
  }
  const std::string url = p.Str("capi_url") + "?pid=" + PixelId(0);
  std::mutex error_mu;
  std::string error;
  Metrics m = RunPeerDrainLoop(
      workers,
      [&](int w) {
        thread_local HttpClient http;
        std::string why;
        const long n = DrainBatch(conns[w].get(), http, url, &why);
        if (n < 0) {
          std::lock_guard<std::mutex> lock(error_mu);
          error = why.empty() ? PQerrorMessage(conns[w].get()) : why;
        }
        return n;
      },
      &error);
  if (!error.empty()) return Status::Unavailable("PostgreSQL drain: " + error);
  if (m["delivered"] != static_cast<double>(events)) {
    return Status::Internal("PostgreSQL drain delivered " +
                            std::to_string(m["delivered"]) + " rows");
  }
  return m;
}

}  // namespace

StatusOr<Metrics> PostgresTrial(const Params& p) {
  return p.Str("mode") == "drain" ? Drain(p) : Enqueue(p);
}

}  // namespace bench

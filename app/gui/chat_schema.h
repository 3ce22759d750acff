// The chats database schema and its migrations. Each step takes the database from
// version i to i + 1 (stored in PRAGMA user_version) inside one transaction, so an old
// file is upgraded step by step and a failed upgrade leaves it as it was.
#pragma once
#include <QSqlDatabase>
#include <QString>

namespace kinglet::app::schema {

constexpr int kCurrentVersion = 2;

int userVersion(QSqlDatabase& db);
// Applies the steps from the file's version up to `target` (tests use a lower target to
// build the files an older Kinglet wrote). Returns false with *error set on failure.
bool migrate(QSqlDatabase& db, int target, QString* error);

}  // namespace kinglet::app::schema

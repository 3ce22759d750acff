// Finding the read-only test data in ../shared. When it is missing, tests that need it
// fail if the CI environment variable is set, and are skipped with the reason otherwise.
#pragma once
#include <QFileInfo>
#include <QString>
#include <QTest>

namespace kinglet_test {

inline QString sharedDir() { return QStringLiteral(KINGLET_SHARED_DIR); }

inline QString sharedPath(const QString& relative) { return sharedDir() + QLatin1Char('/') + relative; }

inline bool inCi() { return !qEnvironmentVariableIsEmpty("CI"); }

}  // namespace kinglet_test

// Use inside a test function: resolves `var` to ../shared/<relative>, or fails/skips.
#define KINGLET_REQUIRE_SHARED(var, relative)                                                           \
    const QString var = kinglet_test::sharedPath(relative);                                             \
    if (!QFileInfo::exists(var)) {                                                                      \
        const QByteArray why_ = ("test data missing: " + var + " (set KINGLET_SHARED_DIR)").toUtf8();   \
        if (kinglet_test::inCi()) QFAIL(why_.constData());                                              \
        QSKIP(why_.constData());                                                                        \
    }

// The writing assistant: the text splitter (boundaries, token budgets, a huge input),
// the actions and their persistence, map-reduce on the demo model with progress and
// cancel, the clipboard round trip, single-instance hand-over (in process and from a
// second kinglet process), and the assistant window with screenshots in
// <build>/test-artifacts/.
#include <QClipboard>
#ifdef KINGLET_HAVE_DBUS
#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusVariant>
#include <QDBusVirtualObject>
#endif
#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QMimeData>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <memory>

#include "app_context.h"
#include "app_settings.h"
#include "assistant_actions.h"
#include "assistant_controller.h"
#include "chat_controller.h"
#include "global_shortcut_portal.h"
#include "model_manager.h"
#include "shared_data.h"
#include "single_instance.h"

using namespace kinglet::app;

namespace {

QString artifact(const QString& name) {
    const QString dir = QStringLiteral(KINGLET_BINARY_DIR "/test-artifacts");
    QDir().mkpath(dir);
    return dir + '/' + name;
}


// A long, story-like text: paragraphs of sentences.
QString longText(int chars) {
    const QStringList sentences = {
        "Lily went to the park with her dog.", "The sun was warm and the birds sang.",
        "She found a red ball under a big tree!", "Her friend Tom wanted to play too.",
        "They shared the ball and laughed all day.", "When it got dark, they went home happy."};
    QString out;
    int i = 0;
    while (out.size() < chars) {
        out += sentences[i % sentences.size()];
        out += (++i % 7 == 0) ? "\n\n" : " ";
    }
    return out;
}

struct App {
    QTemporaryDir dir;
    std::unique_ptr<AppContext> ctx;
    bool start(const QString& model, int maxTokens = 24, const QString& theme = "light") {
        {
            AppSettings s(dir.filePath("settings.ini"));
            s.setThreads(1);
            s.setMaxTokens(maxTokens);
            s.setTheme(theme);
        }
        AppOptions o;
        o.dataDir = dir.path();
        o.model = model;
        o.loadModel = !model.isEmpty();
        o.demoFolder = dir.filePath("no-demo-here");
        ctx = std::make_unique<AppContext>(o);
        if (!model.isEmpty() && !ctx->modelManager().ready()) {
            QSignalSpy loaded(&ctx->modelManager(), &ModelManager::loaded);
            if (!loaded.wait(30000)) return false;
        }
        return true;
    }
};

}  // namespace

#ifdef KINGLET_HAVE_DBUS
// A stand-in for xdg-desktop-portal's GlobalShortcuts on the test's private bus: answers
// each call with a Request path and its Response signal, the way the real portal does,
// and records what it was asked.
class FakePortal : public QDBusVirtualObject {
public:
    explicit FakePortal(QDBusConnection bus) : bus_(bus) {}
    QString introspect(const QString&) const override { return {}; }
    bool handleMessage(const QDBusMessage& m, const QDBusConnection&) override {
        const QString sender = QString(m.service()).mid(1).replace('.', '_');
        auto respond = [&](const QString& token, const QVariantMap& results) {
            const QString request = "/org/freedesktop/portal/desktop/request/" + sender + "/" + token;
            bus_.send(m.createReply(QVariant::fromValue(QDBusObjectPath(request))));
            QDBusMessage r = QDBusMessage::createSignal(request, "org.freedesktop.portal.Request", "Response");
            r << uint(0) << results;
            bus_.send(r);
        };
        calls << m.member();
        if (m.member() == "Get" && m.arguments().value(0).toString() == "org.freedesktop.portal.GlobalShortcuts") {
            bus_.send(m.createReply(QVariant::fromValue(QDBusVariant(uint(1)))));
            return true;
        }
        if (m.member() == "CreateSession") {
            const QVariantMap o = qdbus_cast<QVariantMap>(m.arguments().value(0));
            session = "/org/freedesktop/portal/desktop/session/" + sender + "/" + o.value("session_handle_token").toString();
            respond(o.value("handle_token").toString(), {{"session_handle", session}});
            return true;
        }
        if (m.member() == "BindShortcuts") {
            bindSignature = m.signature();
            boundSession = m.arguments().value(0).value<QDBusObjectPath>().path();
            respond(qdbus_cast<QVariantMap>(m.arguments().value(3)).value("handle_token").toString(), {});
            return true;
        }
        return false;
    }
    void press(const QString& id) {
        QDBusMessage a = QDBusMessage::createSignal("/org/freedesktop/portal/desktop", "org.freedesktop.portal.GlobalShortcuts", "Activated");
        a << QVariant::fromValue(QDBusObjectPath(session)) << id << qulonglong(0) << QVariantMap();
        bus_.send(a);
    }
    QStringList calls;
    QString session, boundSession, bindSignature;

private:
    QDBusConnection bus_;
};
#endif

class TestAppAssistant : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        prepareQuick();
        // A session bus of our own with no portal on it (where dbus-daemon exists), else
        // none at all: either way the global shortcuts portal is absent, whatever desktop
        // runs the tests.
        bus_.start(QStringLiteral("dbus-daemon"), {"--session", "--nofork", "--print-address"});
        QString address = QStringLiteral("unix:path=/nonexistent/kinglet-test-bus");
        if (bus_.waitForStarted(5000) && bus_.waitForReadyRead(5000)) {
            address = QString::fromUtf8(bus_.readLine()).trimmed();
            haveBus_ = !address.isEmpty();
        }
        qputenv("DBUS_SESSION_BUS_ADDRESS", address.toUtf8());
    }
    void cleanupTestCase() {
        bus_.kill();
        bus_.waitForFinished(5000);
    }

    // The splitter and the map-reduce plan are the engine's: tests/assist.

    // ---- actions --------------------------------------------------------------------

    void actionsAreEditableAndPersist() {
        QTemporaryDir dir;
        const QString ini = dir.filePath("settings.ini");
        QString id;
        {
            AssistantActions a(ini);
            QCOMPARE(a.actions().size(), 11);
            for (const AssistantAction& x : a.actions()) QVERIFY2(x.prompt.contains("{text}"), qPrintable(x.id));
            QVERIFY(a.find("summarize"));
            QCOMPARE(a.find("key points")->id, QString("key-points"));
            QCOMPARE(a.find("Fix grammar and spelling")->id, QString("fix"));
            QVERIFY(!a.find("nope"));
            QSignalSpy changed(&a, &AssistantActions::changed);
            id = a.add("Pirate", "Say this like a pirate: {text}");
            QVERIFY(!id.isEmpty());
            QVERIFY(a.update("summarize", "Summary", "TL;DR: {text}"));
            QVERIFY(a.remove("expand"));
            QVERIFY(!a.remove("expand"));
            a.setLanguage("German");
            a.setPreferSelection(true);
            QVERIFY(changed.count() >= 4);
        }
        AssistantActions b(ini);
        QCOMPARE(b.actions().size(), 11);
        QCOMPARE(b.find(id)->prompt, QString("Say this like a pirate: {text}"));
        QCOMPARE(b.find("summarize")->name, QString("Summary"));
        QVERIFY(!b.find("expand"));
        QCOMPARE(b.language(), QString("German"));
        QVERIFY(b.preferSelection());
        QCOMPARE(AssistantActions::render(b.find("translate")->prompt, "Hallo", b.language()),
                 QString("Translate the following text to German. Reply with the translation only.\n\nHallo"));
        QCOMPARE(AssistantActions::render("No placeholder", "abc", {}), QString("No placeholder\n\nabc"));
        b.restoreDefaults();
        QCOMPARE(AssistantActions(ini).find("summarize")->name, QString("Summarize"));
    }

    // ---- tray and global shortcut ---------------------------------------------------

    void startMinimizedPersists() {
        QTemporaryDir dir;
        {
            AppSettings s(dir.filePath("settings.ini"));
            QVERIFY(!s.startMinimized());
            QSignalSpy changed(&s, &AppSettings::changed);
            s.setStartMinimized(true);
            QCOMPARE(changed.count(), 1);
        }
        QVERIFY(AppSettings(dir.filePath("settings.ini")).startMinimized());
    }

    void portalAbsentExplainsTheManualWay() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");  // the chat page, not the model library
        App app;
        {
            AssistantActions(app.dir.filePath("settings.ini")).setPortalShortcut(true);  // "registered earlier"
        }
        QVERIFY(app.start(model));
        app.ctx->settings().setStartMinimized(true);
        GlobalShortcutPortal& p = app.ctx->assistant().globalShortcut();
        QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 15000);
        QVERIFY(!p.available());
        QVERIFY(!p.registered());
        QVERIFY2(!p.status().isEmpty(), "says why");
        QVERIFY(GlobalShortcutPortal::manualHelp().contains("kinglet --action summarize"));
        QSignalSpy failed(&p, &GlobalShortcutPortal::failed);
        p.registerShortcut();
        QCOMPARE(failed.count(), 1);
        QVERIFY(!p.registered() && !p.busy());

        // The settings show the option (on) and, with no portal, how to bind it by hand.
        QQmlApplicationEngine qml;
        QQuickWindow* main = app.ctx->loadWindow(qml);
        QVERIFY(main);
        QVERIFY(QMetaObject::invokeMethod(main, "openSettings"));
        auto* box = main->findChild<QQuickItem*>("startMinimized");
        auto* help = main->findChild<QQuickItem*>("shortcutHelp");
        QVERIFY(box && help);
        QTRY_VERIFY(box->isVisible());
        QVERIFY(box->property("checked").toBool());
        QVERIFY(help->isVisible());
        QVERIFY(help->property("text").toString().contains("kinglet --action summarize"));
        QVERIFY(!main->findChild<QQuickItem*>("registerShortcut")->isVisible());
        QTest::qWait(200);
        QVERIFY(main->grabWindow().save(artifact("settings-assistant.png")));
        // A click on the box turns the option off, stored at once.
        QTest::mouseClick(main, Qt::LeftButton, {}, box->mapToScene(QPointF(12, box->height() / 2)).toPoint());
        QTRY_VERIFY(!app.ctx->settings().startMinimized());
        QVERIFY(!AppSettings(app.dir.filePath("settings.ini")).startMinimized());
    }

    void portalRegistersAndRunsTheAction() {
        // Runs after portalAbsent...: the private bus gains a portal now.
#ifndef KINGLET_HAVE_DBUS
        QSKIP("built without Qt6::DBus");
#else
        if (!haveBus_) QSKIP("no dbus-daemon to run a private session bus");
        QDBusConnection portalBus = QDBusConnection::connectToBus(QString::fromUtf8(qgetenv("DBUS_SESSION_BUS_ADDRESS")), "fake-portal");
        QVERIFY(portalBus.isConnected());
        FakePortal fake(portalBus);
        QVERIFY(portalBus.registerVirtualObject("/org/freedesktop/portal/desktop", &fake));
        QVERIFY(portalBus.registerService("org.freedesktop.portal.Desktop"));

        App app;
        QVERIFY(app.start(QString()));
        GlobalShortcutPortal& p = app.ctx->assistant().globalShortcut();
        QTRY_VERIFY_WITH_TIMEOUT(p.available(), 10000);
        QVERIFY(!p.registered());
        p.registerShortcut("summarize", "CTRL+ALT+S");
        QTRY_VERIFY_WITH_TIMEOUT(p.registered(), 10000);
        QVERIFY(!p.busy());
        QCOMPARE(fake.bindSignature, QString("oa(sa{sv})sa{sv}"));
        QCOMPARE(fake.boundSession, fake.session);
        QVERIFY(AssistantActions(app.dir.filePath("settings.ini")).portalShortcut());  // bound again next start

        // The key: the action runs on the clipboard (no model here: it says so).
        QGuiApplication::clipboard()->setText("Text for the shortcut.");
        QSignalSpy activated(&p, &GlobalShortcutPortal::activated);
        QSignalSpy failed(&app.ctx->assistant(), &AssistantController::failed);
        fake.press("summarize");
        QTRY_COMPARE_WITH_TIMEOUT(activated.count(), 1, 10000);
        QCOMPARE(activated.first().first().toString(), QString("summarize"));
        QCOMPARE(app.ctx->assistant().sourceText(), QString("Text for the shortcut."));
        QCOMPARE(failed.count(), 1);
        QVERIFY(app.ctx->assistant().message().contains("No model"));

        // A later start binds again by itself.
        App again;
        {
            AssistantActions(again.dir.filePath("settings.ini")).setPortalShortcut(true);
        }
        QVERIFY(again.start(QString()));
        QTRY_VERIFY_WITH_TIMEOUT(again.ctx->assistant().globalShortcut().registered(), 10000);
        portalBus.unregisterService("org.freedesktop.portal.Desktop");
        portalBus.unregisterObject("/org/freedesktop/portal/desktop");
#endif
    }

    // ---- clipboard ------------------------------------------------------------------

    void clipboardRoundTripAndClearMessages() {
        App app;
        QVERIFY(app.start(QString()));
        AssistantController& a = app.ctx->assistant();
        QClipboard* cb = QGuiApplication::clipboard();
        cb->setText("Text from the clipboard");
        QVERIFY(a.loadFrom("clipboard"));
        QCOMPARE(a.sourceText(), QString("Text from the clipboard"));
        QVERIFY(a.message().isEmpty());
        // Asked for the selection where there is none (offscreen, Wayland): the clipboard.
        if (!cb->supportsSelection()) QVERIFY(a.loadFrom("selection"));

        cb->clear();
        QVERIFY(!a.loadFrom("clipboard"));
        QVERIFY2(a.message().contains("empty"), qPrintable(a.message()));
        auto* md = new QMimeData;
        QImage img(8, 8, QImage::Format_RGB32);
        img.fill(Qt::red);
        md->setImageData(img);
        cb->setMimeData(md);
        QVERIFY(!a.loadFrom("clipboard"));
        QVERIFY2(a.message().contains("image"), qPrintable(a.message()));

        // No model: a clear message, no hang.
        a.setSourceText("Some text");
        QSignalSpy failed(&a, &AssistantController::failed);
        a.run("summarize");
        QCOMPARE(failed.count(), 1);
        QVERIFY2(a.message().contains("No model"), qPrintable(a.message()));
        QVERIFY(!a.busy());
    }

    // ---- the model ------------------------------------------------------------------

    void shortTextStreamsAndReplacesTheClipboard() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        App app;
        QVERIFY(app.start(model));
        AssistantController& a = app.ctx->assistant();
        QGuiApplication::clipboard()->setText("Lily and Tom played with a ball in the park.");
        QVERIFY(a.loadFrom("auto"));
        QSignalSpy finished(&a, &AssistantController::finished);
        QSignalSpy streamed(&a, &AssistantController::resultChanged);
        a.run("rewrite");
        QVERIFY(a.busy());
        QVERIFY(finished.count() > 0 || finished.wait(60000));
        QVERIFY(!a.busy());
        QVERIFY(!a.result().isEmpty());
        QVERIFY(streamed.count() >= 1);
        QCOMPARE(a.partCount(), 0);  // one part: no map-reduce
        a.replaceClipboard();
        QCOMPARE(QGuiApplication::clipboard()->text(), a.result());

        // Open in chat: a new conversation with the prompt and the answer.
        QVERIFY(a.openInChat());
        QVERIFY(!app.ctx->chat().currentId().isEmpty());
    }

    void mapReduceOver200kCharactersReportsParts() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        App app;
        QVERIFY(app.start(model, 16));
        AssistantController& a = app.ctx->assistant();
        a.setSourceText(longText(200000));
        QSignalSpy progress(&a, &AssistantController::progress);
        QSignalSpy finished(&a, &AssistantController::finished);
        QSignalSpy failed(&a, &AssistantController::failed);

        // The GUI thread keeps turning while the parts are split and summarised.
        QElapsedTimer sinceTick;
        sinceTick.start();
        qint64 longestGap = 0;
        QTimer ticker;
        ticker.setInterval(10);
        connect(&ticker, &QTimer::timeout, [&] {
            longestGap = std::max(longestGap, sinceTick.elapsed());
            sinceTick.restart();
        });
        ticker.start();
        a.run("summarize");
        QVERIFY(finished.wait(600000) || !failed.isEmpty());
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        ticker.stop();

        QVERIFY(progress.count() >= 3);
        const int parts = progress.first().at(1).toInt();
        QVERIFY2(parts >= 3, qPrintable(QString::number(parts)));
        QCOMPARE(progress.first().at(0).toInt(), 1);
        int lastFirstRound = 0;
        for (const auto& p : progress) {
            if (p.at(1).toInt() != parts) break;
            QCOMPARE(p.at(0).toInt(), ++lastFirstRound);
        }
        QCOMPARE(lastFirstRound, parts);
        QVERIFY(!a.result().isEmpty());
        QVERIFY2(a.status().startsWith("Done"), qPrintable(a.status()));
        qInfo("200,000 characters: %d parts, longest GUI stall %lld ms", parts, longestGap);
        QVERIFY2(longestGap < 2000, qPrintable(QString::number(longestGap)));
    }

    void stopCancelsMidWayAndRetryWorks() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        App app;
        QVERIFY(app.start(model, 16));
        AssistantController& a = app.ctx->assistant();
        a.setSourceText(longText(120000));
        QSignalSpy progress(&a, &AssistantController::progress);
        QSignalSpy finished(&a, &AssistantController::finished);
        a.run("key points");
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, 60000);
        a.stop();
        QVERIFY(!a.busy());
        QCOMPARE(a.status(), QString("Stopped"));
        const int seen = int(progress.count());
        QTest::qWait(500);
        QCOMPARE(int(progress.count()), seen);  // nothing more runs
        QCOMPARE(finished.count(), 0);

        a.setSourceText("A short text about a dog.");
        a.retry();
        QVERIFY(finished.count() > 0 || finished.wait(60000));
        QVERIFY(!a.result().isEmpty());
    }

    // ---- single instance ------------------------------------------------------------

    void secondInstanceObjectForwards() {
        QTemporaryDir dir;
        const QString name = SingleInstance::serverName(dir.path());
        QCOMPARE(SingleInstance::serverName(dir.path()), name);
        QVERIFY(name != SingleInstance::serverName(dir.filePath("other")));
        QVERIFY(!SingleInstance::forward(name, {{"show", true}}, 300));  // nobody there yet

        SingleInstance first(name);
        QVERIFY(first.listen());
        SingleInstance second(name);
        QVERIFY(!second.listen());  // the first one owns it
        QSignalSpy got(&first, &SingleInstance::requestReceived);
        // forward() blocks, so the answer must come from another thread's event loop:
        // run the client on a thread.
        bool ok = false;
        std::unique_ptr<QThread> t(QThread::create([&] {
            ok = SingleInstance::forward(name, {{"action", "summarize"}, {"from", "clipboard"}}, 5000);
        }));
        t->start();
        QTRY_VERIFY_WITH_TIMEOUT(t->isFinished(), 10000);
        QVERIFY(ok);
        QCOMPARE(got.count(), 1);
        QCOMPARE(got.first().first().toJsonObject().value("action").toString(), QString("summarize"));
    }

    void secondProcessHandsOverAndExits() {
#ifndef KINGLET_APP_BIN
        QSKIP("the kinglet program is not built");
#else
        App app;
        QVERIFY(app.start(QString()));
        SingleInstance server(SingleInstance::serverName(app.dir.path()));
        QVERIFY(server.listen());
        QSignalSpy got(&server, &SingleInstance::requestReceived);
        connect(&server, &SingleInstance::requestReceived, this, [&app](const QJsonObject& r) {
            app.ctx->assistant().handleRequest(r.value("action").toString(), r.value("from").toString(),
                                               r.value("text").toString());
        });
        QProcess second;
        second.setProgram(QStringLiteral(KINGLET_APP_BIN));
        second.setArguments({"--data-dir", app.dir.path(), "--action", "summarize", "--from", "stdin"});
        second.start();
        QVERIFY(second.waitForStarted(10000));
        second.write("Text piped into the second kinglet.");
        second.closeWriteChannel();
        QTRY_VERIFY_WITH_TIMEOUT(second.state() == QProcess::NotRunning, 20000);
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);
        QCOMPARE(got.count(), 1);
        QCOMPARE(app.ctx->assistant().sourceText(), QString("Text piped into the second kinglet."));
        QCOMPARE(app.ctx->assistant().actionId(), QString("summarize"));
#endif
    }

    // ---- the window -----------------------------------------------------------------

    void windowLoadsStreamsAndLooksRight() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        for (const QString theme : {"light", "dark"}) {
            App app;
            QVERIFY(app.start(model, 48, theme));
            QQmlApplicationEngine qml;
            QQuickWindow* main = app.ctx->loadWindow(qml);
            QVERIFY(main);
            AssistantController& a = app.ctx->assistant();
            QGuiApplication::clipboard()->clear();
            a.handleRequest(QString(), "clipboard", QString());  // tray click on an empty clipboard
            QQuickWindow* w = a.window();
            QVERIFY(w);
            QVERIFY(QTest::qWaitForWindowExposed(w));
            QVERIFY(w->flags() & Qt::WindowStaysOnTopHint);
            QVERIFY(w->findChild<QQuickItem*>("assistantMessage")->isVisible());
            QTest::qWait(150);
            QVERIFY(w->grabWindow().save(artifact("assistant-empty-clipboard-" + theme + ".png")));

            QGuiApplication::clipboard()->setText(
                "The meeting moved to Thursday at 10. Anna brings the slides; Ben books the room. "
                "Budget questions go to Carla before Wednesday.");
            QSignalSpy finished(&a, &AssistantController::finished);
            a.handleRequest("summarize", "clipboard", QString());
            QVERIFY(finished.count() > 0 || finished.wait(60000));
            QVERIFY(!w->findChild<QQuickItem*>("assistantMessage")->isVisible());
            QCOMPARE(w->findChild<QQuickItem*>("assistantResult")->property("text").toString(), a.result());
            QTest::qWait(150);
            QVERIFY(w->grabWindow().save(artifact("assistant-result-" + theme + ".png")));

            if (theme == "light") {
                // Long text: the progress bar and "Part n of N" while it works.
                a.setSourceText(longText(60000));
                QSignalSpy progress(&a, &AssistantController::progress);
                a.run("summarize");
                QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, 60000);
                QVERIFY(w->findChild<QQuickItem*>("assistantProgress")->isVisible());
                QVERIFY(w->grabWindow().save(artifact("assistant-progress.png")));
                // Esc stops and closes.
                QTest::keyClick(w, Qt::Key_Escape);
                QTRY_VERIFY(!w->isVisible());
                QVERIFY(!a.busy());
            }
        }
    }

private:
    QProcess bus_;
    bool haveBus_ = false;
};

QTEST_MAIN(TestAppAssistant)
#include "test_app_assistant.moc"

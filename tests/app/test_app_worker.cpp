// The inference thread on the demo model: load progress then loaded, streamed text then
// finished (in that order, all on the GUI thread), stop within a token, errors as
// signals (no model, prompt too long, unreadable file), the prompt formats, and a GPU lost
// mid-generation (the answer still comes, the model moves to the CPU).
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include "inference_worker.h"
#include "model/model.h"
#include "chat/prompt_formatter.h"
#include "shared_data.h"
#include "util/error.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet::app;
using namespace kinglet::chat;

namespace {

GenerationSettings greedy(int maxTokens) {
    GenerationSettings g;
    g.sampling.temperature = 0;
    g.maxTokens = maxTokens;
    return g;
}

bool loadInto(InferenceEngine& engine, const QString& path, int ctx = 512) {
    QSignalSpy loaded(&engine, &InferenceEngine::modelLoaded);
    engine.loadModel(path, ctx, 1);
    return loaded.count() > 0 || loaded.wait(30000);
}

}  // namespace

class TestAppWorker : public QObject {
    Q_OBJECT
private slots:
    void loadsWithProgress() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        InferenceEngine engine;
        QStringList order;
        connect(&engine, &InferenceEngine::loadProgress, this, [&](double f) {
            QCOMPARE(QThread::currentThread(), thread());  // delivered on the GUI thread
            if (order.isEmpty() || order.last() != "progress") order << "progress";
            QVERIFY(f >= 0 && f <= 1);
        });
        ModelInfo info;
        connect(&engine, &InferenceEngine::modelLoaded, this, [&](const ModelInfo& i) {
            order << "loaded";
            info = i;
        });
        QSignalSpy loaded(&engine, &InferenceEngine::modelLoaded);
        engine.loadModel(model, 256, 1);
        QVERIFY(loaded.count() > 0 || loaded.wait(30000));
        QCOMPARE(order, (QStringList{"progress", "loaded"}));
        QCOMPARE(info.architecture, QString("llama"));
        QCOMPARE(info.contextSize, 256);
        QCOMPARE(info.threads, 1);
        QCOMPARE(info.backend, QString("CPU"));
        QVERIFY(!info.device.isEmpty());
        QCOMPARE(info.promptFormat, QString("plain transcript"));
    }

    void streamsThenFinishes() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        InferenceEngine engine;
        QVERIFY(loadInto(engine, model));
        QString text;
        QStringList order;
        GenerationStats stats;
        connect(&engine, &InferenceEngine::textReady, this, [&](quint64, const QString& t) {
            text += t;
            if (order.isEmpty()) order << "text";
        });
        connect(&engine, &InferenceEngine::generationFinished, this, [&](quint64, const GenerationStats& s) {
            order << "finished";
            stats = s;
        });
        QSignalSpy finished(&engine, &InferenceEngine::generationFinished);
        const quint64 id = engine.generate({{"user", "Tell me a story about a cat."}}, greedy(48));
        QVERIFY(finished.count() > 0 || finished.wait(30000));
        QCOMPARE(finished.first().first().value<quint64>(), id);
        QCOMPARE(order, (QStringList{"text", "finished"}));
        QVERIFY(!text.trimmed().isEmpty());
        QVERIFY(stats.generatedTokens > 0 && stats.generatedTokens <= 48);
        QVERIFY(stats.promptTokens > 5);
        QVERIFY(stats.tokensPerSecond > 0);
        QCOMPARE(stats.contextSize, 512);
        QVERIFY(stats.contextUsed >= stats.promptTokens);
        QVERIFY(!text.contains("User:"));  // cut at the stop string

        // A follow-up reuses the cached prefix (the prompt cache).
        QSignalSpy again(&engine, &InferenceEngine::generationFinished);
        engine.generate({{"user", "Tell me a story about a cat."}, {"assistant", text}, {"user", "And then?"}}, greedy(16));
        QVERIFY(again.count() > 0 || again.wait(30000));
        QVERIFY(again.first().at(1).value<GenerationStats>().reusedTokens > 0);
    }

    void stopsAtOnce() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        InferenceEngine engine;
        QVERIFY(loadInto(engine, model, 2048));
        QSignalSpy finished(&engine, &InferenceEngine::generationFinished);
        // At the first text: another generation is queued behind the running one, then
        // stop() — the running one ends within a token, the queued one never starts (the
        // worker is busy, so it cannot have started before stop()).
        quint64 queued = 0;
        connect(&engine, &InferenceEngine::textReady, this, [&] {
            if (queued) return;
            queued = engine.generate({{"user", "x"}}, greedy(1000));
            engine.stop();
        });
        const quint64 first = engine.generate({{"user", "Once upon a time"}}, greedy(1000));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
        QCOMPARE(finished.at(0).at(0).value<quint64>(), first);
        const auto stats = finished.at(0).at(1).value<GenerationStats>();
        QCOMPARE(stats.stopReason, QString("stopped"));
        QVERIFY2(stats.generatedTokens < 1000, qPrintable(QString::number(stats.generatedTokens)));
        QCOMPARE(finished.at(1).at(0).value<quint64>(), queued);
        QCOMPARE(finished.at(1).at(1).value<GenerationStats>().generatedTokens, 0);
        // And the engine still answers afterwards.
        QSignalSpy after(&engine, &InferenceEngine::generationFinished);
        engine.generate({{"user", "x"}}, greedy(4));
        QVERIFY(after.count() > 0 || after.wait(30000));
        QCOMPARE(after.first().at(1).value<GenerationStats>().stopReason, QString("max tokens"));
    }

    void errorsAreSignals() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        InferenceEngine engine;
        QSignalSpy failed(&engine, &InferenceEngine::generationFailed);
        engine.generate({{"user", "hi"}}, greedy(4));  // no model yet
        QVERIFY(failed.count() > 0 || failed.wait(10000));
        QVERIFY(!failed.first().at(1).toString().isEmpty());

        QVERIFY(loadInto(engine, model, 64));
        QSignalSpy tooLong(&engine, &InferenceEngine::generationFailed);
        engine.generate({{"user", QString("word ").repeated(400)}}, greedy(8));
        QVERIFY(tooLong.count() > 0 || tooLong.wait(10000));
        QVERIFY2(tooLong.first().at(1).toString().contains("too long"), qPrintable(tooLong.first().at(1).toString()));

        QTemporaryDir dir;
        const QString bad = dir.filePath("broken.gguf");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("GGUF not really a model");
        f.close();
        QSignalSpy loadFailed(&engine, &InferenceEngine::modelLoadFailed);
        engine.loadModel(bad, 64, 1);
        QVERIFY(loadFailed.count() > 0 || loadFailed.wait(10000));
        QCOMPARE(loadFailed.first().at(0).toString(), bad);
        QVERIFY(!loadFailed.first().at(1).toString().isEmpty());
    }

    void oldestTurnsLeftOut() {
        KINGLET_REQUIRE_SHARED(path, "models/stories260K.gguf");
        auto model = kinglet::Model::load(path.toStdString());
        PromptFormatter f(*model);
        QCOMPARE(f.style(), PromptFormatter::Style::Transcript);
        std::vector<ChatTurn> turns{{"system", "You tell stories."}};
        for (int i = 0; i < 10; ++i) {
            turns.push_back({"user", "Tell me about the dog number " + std::to_string(i)});
            turns.push_back({"assistant", "The dog was happy and played in the park all day."});
        }
        turns.push_back({"user", "And the cat?"});
        const auto all = f.fit(turns, 100000);
        QCOMPARE(all.droppedTurns, 0);
        const auto some = f.fit(turns, 120);
        QVERIFY(some.droppedTurns > 0);
        QVERIFY(some.tokens.size() <= 120);
        const std::string text = f.format(turns);
        QVERIFY(text.rfind("You tell stories.", 0) == 0);  // the system prompt leads
        QVERIFY(text.size() > 0 && text.substr(text.size() - 10) == "Assistant:");
        QVERIFY_EXCEPTION_THROWN(f.fit({{"user", std::string(4000, 'x')}}, 50), kinglet::Error);
    }

    // The GPU stops working during a chat (simulated at its third submission): the answer
    // still arrives, and the model's status moves to the CPU with the reason.
    void gpuLossMovesToCpu() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        std::string why;
        if (kinglet::list_vulkan_devices(&why).empty()) {
            if (kinglet_test::inCi()) QFAIL(why.c_str());
            QSKIP("no Vulkan device");
        }
        qputenv("KINGLET_VK_LOSE_DEVICE_AT_SUBMIT", "3");
        InferenceEngine engine;
        ModelInfo info;
        connect(&engine, &InferenceEngine::modelLoaded, this, [&](const ModelInfo& i) { info = i; });
        QSignalSpy loaded(&engine, &InferenceEngine::modelLoaded);
        engine.loadModel(model, 256, 1, "auto:0");  // a named device: auto takes even a software one
        QVERIFY(loaded.count() > 0 || loaded.wait(30000));
        QCOMPARE(info.backend, QString("Vulkan"));

        QSignalSpy changed(&engine, &InferenceEngine::backendChanged);
        QSignalSpy finished(&engine, &InferenceEngine::generationFinished);
        QSignalSpy failed(&engine, &InferenceEngine::generationFailed);
        engine.generate({{"user", "Tell me a story about a cat."}}, greedy(8));
        QVERIFY(finished.count() > 0 || finished.wait(30000));
        qunsetenv("KINGLET_VK_LOSE_DEVICE_AT_SUBMIT");
        QCOMPARE(failed.count(), 0);
        QCOMPARE(finished.first().at(1).value<GenerationStats>().generatedTokens, 8);
        QCOMPARE(changed.count(), 1);
        const ModelInfo after = changed.first().first().value<ModelInfo>();
        QCOMPARE(after.backend, QString("CPU"));
        QVERIFY2(after.fallbackReason.contains("GPU stopped working"), qPrintable(after.fallbackReason));
        QCOMPARE(after.path, info.path);
    }

    void chatTokensGiveChatFormat() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-qwen2-q8_0.gguf");
        auto model = kinglet::Model::load(path.toStdString());
        PromptFormatter f(*model);
        QVERIFY(f.style() != PromptFormatter::Style::Transcript);
        const std::string text = f.format({{"system", "S"}, {"user", "Hi"}});
        QVERIFY2(text.find("<|im_start|>user\nHi<|im_end|>") != std::string::npos, text.c_str());
        QVERIFY(text.find("<|im_start|>assistant") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestAppWorker)
#include "test_app_worker.moc"

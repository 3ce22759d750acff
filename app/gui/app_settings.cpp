#include "app_settings.h"

#include "vulkan/vulkan_backend.h"

#include <QRandomGenerator>
#include <QThread>
#include <algorithm>

namespace kinglet::app {
namespace {

// Defaults match the engine's SamplingParams so the CLI and the app answer alike.
const SamplingParams kDefaults;

}  // namespace

AppSettings::AppSettings(const QString& iniPath, QObject* parent)
    : QObject(parent), settings_(iniPath, QSettings::IniFormat) {}

void AppSettings::write(const char* key, const QVariant& value, bool engine) {
    if (settings_.value(QLatin1String(key)) == value) return;
    settings_.setValue(QLatin1String(key), value);
    settings_.sync();
    emit changed();
    if (engine) emit engineSettingsChanged();
}

double AppSettings::temperature() const { return settings_.value("sampling/temperature", kDefaults.temperature).toDouble(); }
int AppSettings::topK() const { return settings_.value("sampling/topK", kDefaults.top_k).toInt(); }
double AppSettings::topP() const { return settings_.value("sampling/topP", kDefaults.top_p).toDouble(); }
double AppSettings::minP() const { return settings_.value("sampling/minP", kDefaults.min_p).toDouble(); }
double AppSettings::repeatPenalty() const {
    return settings_.value("sampling/repeatPenalty", kDefaults.repeat_penalty).toDouble();
}
int AppSettings::maxTokens() const { return settings_.value("generation/maxTokens", 512).toInt(); }
int AppSettings::contextSize() const { return settings_.value("engine/contextSize", 2048).toInt(); }
int AppSettings::threads() const { return settings_.value("engine/threads", 0).toInt(); }
QString AppSettings::backend() const { return settings_.value("engine/backend", "auto").toString(); }
QString AppSettings::theme() const { return settings_.value("ui/theme", "system").toString(); }
int AppSettings::fontSize() const { return settings_.value("ui/fontSize", 11).toInt(); }
QString AppSettings::lastModel() const { return settings_.value("models/last").toString(); }
QStringList AppSettings::extraModelFolders() const { return settings_.value("models/extraFolders").toStringList(); }
bool AppSettings::startMinimized() const { return settings_.value("ui/startMinimized", false).toBool(); }
int AppSettings::maxThreads() const { return std::max(1, QThread::idealThreadCount()); }

void AppSettings::setTemperature(double v) { write("sampling/temperature", std::clamp(v, 0.0, 5.0)); }
void AppSettings::setTopK(int v) { write("sampling/topK", std::clamp(v, 0, 1000)); }
void AppSettings::setTopP(double v) { write("sampling/topP", std::clamp(v, 0.0, 1.0)); }
void AppSettings::setMinP(double v) { write("sampling/minP", std::clamp(v, 0.0, 1.0)); }
void AppSettings::setRepeatPenalty(double v) { write("sampling/repeatPenalty", std::clamp(v, 1.0, 3.0)); }
void AppSettings::setMaxTokens(int v) { write("generation/maxTokens", std::clamp(v, 16, 32768)); }
void AppSettings::setContextSize(int v) { write("engine/contextSize", std::clamp(v, 0, 1 << 20), true); }
void AppSettings::setThreads(int v) { write("engine/threads", std::clamp(v, 0, 1024), true); }
void AppSettings::setBackend(const QString& v) { write("engine/backend", v, true); }
void AppSettings::setTheme(const QString& v) { write("ui/theme", v); }
void AppSettings::setFontSize(int v) { write("ui/fontSize", std::clamp(v, 8, 32)); }
void AppSettings::setLastModel(const QString& v) { write("models/last", v); }
void AppSettings::setExtraModelFolders(const QStringList& v) { write("models/extraFolders", v); }
void AppSettings::setStartMinimized(bool v) { write("ui/startMinimized", v); }

void AppSettings::resetSampling() {
    for (const char* key : {"sampling/temperature", "sampling/topK", "sampling/topP", "sampling/minP",
                            "sampling/repeatPenalty"}) {
        settings_.remove(QLatin1String(key));
    }
    settings_.sync();
    emit changed();
}

GenerationSettings AppSettings::generationSettings() const {
    GenerationSettings g;
    g.sampling.temperature = static_cast<float>(temperature());
    g.sampling.top_k = topK();
    g.sampling.top_p = static_cast<float>(topP());
    g.sampling.min_p = static_cast<float>(minP());
    g.sampling.repeat_penalty = static_cast<float>(repeatPenalty());
    // A new seed per answer, so Regenerate gives a different one.
    g.sampling.seed = QRandomGenerator::global()->generate64();
    g.maxTokens = maxTokens();
    return g;
}

}  // namespace kinglet::app

namespace kinglet::app {

QVariantList AppSettings::backendChoices() const {
    QVariantList choices;
    choices.append(QVariantMap{{"text", tr("Automatic")}, {"value", "auto"}});
    choices.append(QVariantMap{{"text", tr("CPU")}, {"value", "cpu"}});
    std::string why;
    for (const auto& d : list_vulkan_devices(&why))
        choices.append(QVariantMap{{"text", tr("GPU %1: %2").arg(d.index).arg(QString::fromStdString(d.name))},
                                   {"value", QStringLiteral("vulkan:%1").arg(d.index)}});
    return choices;
}

}  // namespace kinglet::app

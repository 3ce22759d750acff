// User settings, stored with QSettings (an INI file in the data directory, so that
// --data-dir and the tests keep everything in one place). Every property writes
// through at once: nothing to lose on a crash.
#pragma once
#include <QObject>
#include <QSettings>
#include <QStringList>

#include "inference_worker.h"

namespace kinglet::app {

class AppSettings : public QObject {
    Q_OBJECT
#define KINGLET_SETTING(type, name, setter) \
    Q_PROPERTY(type name READ name WRITE setter NOTIFY changed)
    KINGLET_SETTING(double, temperature, setTemperature)
    KINGLET_SETTING(int, topK, setTopK)
    KINGLET_SETTING(double, topP, setTopP)
    KINGLET_SETTING(double, minP, setMinP)
    KINGLET_SETTING(double, repeatPenalty, setRepeatPenalty)
    KINGLET_SETTING(int, maxTokens, setMaxTokens)
    KINGLET_SETTING(int, contextSize, setContextSize)
    KINGLET_SETTING(int, threads, setThreads)
    KINGLET_SETTING(QString, backend, setBackend)
    KINGLET_SETTING(QString, theme, setTheme)
    KINGLET_SETTING(int, fontSize, setFontSize)
    KINGLET_SETTING(QString, lastModel, setLastModel)
    KINGLET_SETTING(QStringList, extraModelFolders, setExtraModelFolders)
    KINGLET_SETTING(bool, startMinimized, setStartMinimized)  // to the tray, where there is one
#undef KINGLET_SETTING
    Q_PROPERTY(int maxThreads READ maxThreads CONSTANT)
    // [{text, value}] for the backend picker: Automatic, CPU, then each Vulkan device.
    Q_PROPERTY(QVariantList backendChoices READ backendChoices CONSTANT)

public:
    explicit AppSettings(const QString& iniPath, QObject* parent = nullptr);

    double temperature() const;
    int topK() const;
    double topP() const;
    double minP() const;
    double repeatPenalty() const;
    int maxTokens() const;
    int contextSize() const;  // 0: the model's own, capped by the engine
    int threads() const;      // 0: all cores
    QString backend() const;  // "auto" | "cpu" | "vulkan:<device index>"
    QString theme() const;    // "system" | "light" | "dark"
    int fontSize() const;
    QString lastModel() const;
    QStringList extraModelFolders() const;
    bool startMinimized() const;
    int maxThreads() const;
    QVariantList backendChoices() const;

    void setTemperature(double v);
    void setTopK(int v);
    void setTopP(double v);
    void setMinP(double v);
    void setRepeatPenalty(double v);
    void setMaxTokens(int v);
    void setContextSize(int v);
    void setThreads(int v);
    void setBackend(const QString& v);
    void setTheme(const QString& v);
    void setFontSize(int v);
    void setLastModel(const QString& v);
    void setExtraModelFolders(const QStringList& v);
    void setStartMinimized(bool v);

    Q_INVOKABLE void resetSampling();
    GenerationSettings generationSettings() const;  // with a fresh random seed

signals:
    void changed();
    void engineSettingsChanged();  // context size or threads: the model must be reloaded

private:
    void write(const char* key, const QVariant& value, bool engine = false);
    QSettings settings_;
};

}  // namespace kinglet::app

// Which model is loaded, and loading/unloading it on the inference thread with
// progress. QML reads its properties for the model picker and the status line.
#pragma once
#include <QObject>
#include <QTimer>

#include "inference_worker.h"

namespace kinglet::app {

class AppSettings;
class ModelListModel;

class ModelManager : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString state READ state NOTIFY stateChanged)  // none | loading | ready | error
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
    Q_PROPERTY(QString path READ path NOTIFY stateChanged)
    Q_PROPERTY(QString name READ name NOTIFY stateChanged)
    Q_PROPERTY(QString architecture READ architecture NOTIFY stateChanged)
    Q_PROPERTY(QString backend READ backend NOTIFY stateChanged)
    Q_PROPERTY(QString device READ device NOTIFY stateChanged)
    Q_PROPERTY(QString fallbackReason READ fallbackReason NOTIFY stateChanged)
    Q_PROPERTY(QString promptFormat READ promptFormat NOTIFY stateChanged)
    Q_PROPERTY(int contextSize READ contextSize NOTIFY stateChanged)
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)
    Q_PROPERTY(bool ready READ ready NOTIFY stateChanged)

public:
    ModelManager(InferenceEngine& engine, AppSettings& settings, ModelListModel& models, QObject* parent = nullptr);

    QString state() const { return state_; }
    double progress() const { return progress_; }
    QString path() const { return state_ == QLatin1String("ready") ? info_.path : loadingPath_; }
    QString name() const { return info_.name; }
    QString architecture() const { return info_.architecture; }
    QString backend() const { return info_.backend; }
    QString device() const { return info_.device; }
    QString fallbackReason() const { return info_.fallbackReason; }
    QString promptFormat() const { return info_.promptFormat; }
    int contextSize() const { return info_.contextSize; }
    QString error() const { return error_; }
    bool ready() const { return state_ == QLatin1String("ready"); }

    // The model to open at start: --model, else the last one used, else the demo model.
    QString initialModel(const QString& commandLineModel) const;

    Q_INVOKABLE void load(const QString& path);
    Q_INVOKABLE void unload();
    Q_INVOKABLE void cancelLoad();

signals:
    void stateChanged();
    void progressChanged();
    void loaded();
    void loadFailed(const QString& error);

private:
    void setState(const QString& s);
    void reloadWithNewSettings();

    InferenceEngine& engine_;
    AppSettings& settings_;
    ModelListModel& models_;
    QString state_ = QStringLiteral("none");
    double progress_ = 0;
    QString loadingPath_;
    QString error_;
    ModelInfo info_;
    QTimer reloadDebounce_;  // a spin box sends many values; reload once it settles
};

}  // namespace kinglet::app

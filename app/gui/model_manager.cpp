#include "model_manager.h"

#include <QFileInfo>

#include "app_settings.h"
#include "model_list_model.h"

namespace kinglet::app {

ModelManager::ModelManager(InferenceEngine& engine, AppSettings& settings, ModelListModel& models, QObject* parent)
    : QObject(parent), engine_(engine), settings_(settings), models_(models) {
    reloadDebounce_.setSingleShot(true);
    reloadDebounce_.setInterval(800);
    connect(&reloadDebounce_, &QTimer::timeout, this, &ModelManager::reloadWithNewSettings);
    connect(&settings_, &AppSettings::engineSettingsChanged, this, [this] {
        if (state_ == QLatin1String("ready") || state_ == QLatin1String("loading")) reloadDebounce_.start();
    });

    connect(&engine_, &InferenceEngine::loadProgress, this, [this](double f) {
        if (state_ != QLatin1String("loading")) return;
        progress_ = f;
        emit progressChanged();
    });
    connect(&engine_, &InferenceEngine::modelLoaded, this, [this](const ModelInfo& info) {
        if (QFileInfo(info.path) != QFileInfo(loadingPath_)) return;  // an older load, superseded
        info_ = info;
        error_.clear();
        settings_.setLastModel(info.path);
        setState(QStringLiteral("ready"));
        emit loaded();
    });
    // The GPU stopped working mid-generation and the engine went on on the CPU: the status
    // line shows the new backend and why.
    connect(&engine_, &InferenceEngine::backendChanged, this, [this](const ModelInfo& info) {
        if (state_ != QLatin1String("ready") || QFileInfo(info.path) != QFileInfo(info_.path)) return;
        info_ = info;
        emit stateChanged();
    });
    connect(&engine_, &InferenceEngine::modelLoadFailed, this, [this](const QString& path, const QString& error) {
        if (QFileInfo(path) != QFileInfo(loadingPath_)) return;
        info_ = ModelInfo{};
        error_ = tr("Could not load %1: %2").arg(QFileInfo(path).fileName(), error);
        setState(QStringLiteral("error"));
        emit loadFailed(error_);
    });
}

void ModelManager::setState(const QString& s) {
    state_ = s;
    emit stateChanged();
}

QString ModelManager::initialModel(const QString& commandLineModel) const {
    if (!commandLineModel.isEmpty()) return commandLineModel;
    const QString last = settings_.lastModel();
    if (!last.isEmpty() && QFileInfo::exists(last)) return last;
    const QString demo = models_.demoModelPath();
    if (!demo.isEmpty()) return demo;
    return models_.files().isEmpty() ? QString() : models_.files().first().path;
}

void ModelManager::load(const QString& path) {
    if (path.isEmpty()) return;
    if (!QFileInfo::exists(path)) {
        error_ = tr("Model file not found: %1").arg(path);
        setState(QStringLiteral("error"));
        emit loadFailed(error_);
        return;
    }
    loadingPath_ = path;
    progress_ = 0;
    error_.clear();
    info_ = ModelInfo{};
    emit progressChanged();
    setState(QStringLiteral("loading"));
    engine_.loadModel(path, settings_.contextSize(), settings_.threads(), settings_.backend());
}

void ModelManager::unload() {
    loadingPath_.clear();
    info_ = ModelInfo{};
    engine_.unloadModel();
    setState(QStringLiteral("none"));
}

void ModelManager::cancelLoad() {
    if (state_ != QLatin1String("loading")) return;
    engine_.cancelLoad();  // the failure signal that follows sets the state
}

void ModelManager::reloadWithNewSettings() {
    const QString current = path();
    if (!current.isEmpty()) load(current);
}

}  // namespace kinglet::app

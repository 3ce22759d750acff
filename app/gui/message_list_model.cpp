#include "message_list_model.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "markdown_blocks.h"

namespace kinglet::app {

QString messageInfo(const Message& m) {
    const QJsonObject meta = QJsonDocument::fromJson(m.meta.toUtf8()).object();
    QStringList parts;
    if (m.state == MessageState::Error) return meta.value(QStringLiteral("error")).toString();
    if (m.state == MessageState::Interrupted)
        parts << (meta.value(QStringLiteral("stopped")).toBool() ? QObject::tr("Stopped") : QObject::tr("Interrupted"));
    if (meta.value(QStringLiteral("contextFull")).toBool()) parts << QObject::tr("context full");
    if (meta.contains(QStringLiteral("tokens")))
        parts << QObject::tr("%1 tokens").arg(meta.value(QStringLiteral("tokens")).toInt());
    if (meta.contains(QStringLiteral("tokensPerSecond")))
        parts << QObject::tr("%1 tokens/s").arg(meta.value(QStringLiteral("tokensPerSecond")).toDouble(), 0, 'f', 1);
    if (meta.contains(QStringLiteral("model"))) parts << meta.value(QStringLiteral("model")).toString();
    return parts.join(QStringLiteral(" · "));
}

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(items_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Message& m = items_[index.row()];
    switch (role) {
        case IdRole: return m.id;
        case RoleRole: return m.role;
        case Qt::DisplayRole:
        case ContentRole: return m.content;
        case BlocksRole: return markdownBlocksForQml(m.content);
        case StateRole: return messageStateName(m.state);
        case InfoRole: return messageInfo(m);
    }
    return {};
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{IdRole, "messageId"}, {RoleRole, "author"},   {ContentRole, "content"},
            {BlocksRole, "blocks"}, {StateRole, "messageState"}, {InfoRole, "info"}};
}

void MessageListModel::setMessages(QVector<Message> messages) {
    beginResetModel();
    items_ = std::move(messages);
    endResetModel();
    emit countChanged();
}

void MessageListModel::append(const Message& m) {
    const int row = static_cast<int>(items_.size());
    beginInsertRows({}, row, row);
    items_.push_back(m);
    endInsertRows();
    emit countChanged();
}

void MessageListModel::appendText(int row, const QString& text) {
    if (row < 0 || row >= items_.size() || text.isEmpty()) return;
    items_[row].content += text;
    emit dataChanged(index(row), index(row), {ContentRole, BlocksRole});
}

void MessageListModel::replace(int row, const Message& m) {
    if (row < 0 || row >= items_.size()) return;
    items_[row] = m;
    emit dataChanged(index(row), index(row));
}

void MessageListModel::truncate(int fromRow) {
    if (fromRow < 0) fromRow = 0;
    if (fromRow >= items_.size()) return;
    beginRemoveRows({}, fromRow, static_cast<int>(items_.size()) - 1);
    items_.resize(fromRow);
    endRemoveRows();
    emit countChanged();
}

int MessageListModel::rowOf(const QString& id) const {
    for (int i = 0; i < items_.size(); ++i) {
        if (items_[i].id == id) return i;
    }
    return -1;
}

}  // namespace kinglet::app

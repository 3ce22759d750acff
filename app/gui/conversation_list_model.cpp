#include "conversation_list_model.h"

#include <QLocale>
#include <algorithm>

namespace kinglet::app {

QString activityLabel(const QDateTime& when, const QDateTime& now) {
    const QDate d = when.toLocalTime().date(), today = now.toLocalTime().date();
    const QLocale locale;
    if (d == today) {
        // The locale's short time format, without seconds (the C locale's has them).
        QString format = locale.timeFormat(QLocale::ShortFormat);
        format.remove(QStringLiteral(":ss"));
        return locale.toString(when.toLocalTime().time(), format);
    }
    if (d == today.addDays(-1)) return QObject::tr("Yesterday");
    if (d > today.addDays(-7)) return locale.dayName(d.dayOfWeek(), QLocale::ShortFormat);
    return locale.toString(d, QLocale::ShortFormat);
}

ConversationListModel::ConversationListModel(QObject* parent) : QAbstractListModel(parent) {}

int ConversationListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(items_.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Conversation& c = items_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
        case TitleRole: return c.title;
        case IdRole: return c.id;
        case UpdatedAtRole: return c.updatedAt;
        case WhenRole: return activityLabel(c.updatedAt, QDateTime::currentDateTime());
        case SystemPromptRole: return c.systemPrompt;
    }
    return {};
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    return {{IdRole, "conversationId"},
            {TitleRole, "title"},
            {UpdatedAtRole, "updatedAt"},
            {WhenRole, "when"},
            {SystemPromptRole, "systemPrompt"}};
}

bool ConversationListModel::newerFirst(const Conversation& a, const Conversation& b) {
    if (a.updatedAt != b.updatedAt) return a.updatedAt > b.updatedAt;
    return a.createdAt > b.createdAt;
}

void ConversationListModel::setConversations(QVector<Conversation> list) {
    std::stable_sort(list.begin(), list.end(), newerFirst);
    beginResetModel();
    items_ = std::move(list);
    endResetModel();
    emit countChanged();
}

void ConversationListModel::upsert(const Conversation& c) {
    const int from = indexOf(c.id);
    // Where it belongs among the others (ignoring its own old row).
    int to = 0;
    for (int i = 0; i < items_.size(); ++i) {
        if (i != from && newerFirst(items_[i], c)) ++to;
    }
    if (from < 0) {
        beginInsertRows({}, to, to);
        items_.insert(to, c);
        endInsertRows();
        emit countChanged();
        return;
    }
    if (from != to) {
        // beginMoveRows counts the destination before the move.
        beginMoveRows({}, from, from, {}, to > from ? to + 1 : to);
        items_.move(from, to);
        endMoveRows();
    }
    items_[to] = c;
    emit dataChanged(index(to), index(to));
}

void ConversationListModel::remove(const QString& id) {
    const int row = indexOf(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    items_.removeAt(row);
    endRemoveRows();
    emit countChanged();
}

int ConversationListModel::indexOf(const QString& id) const {
    for (int i = 0; i < items_.size(); ++i) {
        if (items_[i].id == id) return i;
    }
    return -1;
}

const Conversation* ConversationListModel::find(const QString& id) const {
    const int row = indexOf(id);
    return row < 0 ? nullptr : &items_[row];
}

QString ConversationListModel::idAt(int row) const {
    return row >= 0 && row < items_.size() ? items_[row].id : QString();
}

}  // namespace kinglet::app

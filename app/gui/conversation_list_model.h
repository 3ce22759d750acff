// The sidebar's list: conversations sorted by last activity, newest first. It only
// mirrors what the controller gives it; searching is done by the store (titles and
// message text) and the result handed in with setConversations().
#pragma once
#include <QAbstractListModel>
#include <QVector>

#include "chat_types.h"

namespace kinglet::app {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Roles { IdRole = Qt::UserRole + 1, TitleRole, UpdatedAtRole, WhenRole, SystemPromptRole };

    explicit ConversationListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setConversations(QVector<Conversation> list);
    // Inserts or updates one conversation and moves it to its place in the order.
    void upsert(const Conversation& c);
    void remove(const QString& id);
    int indexOf(const QString& id) const;
    const Conversation* find(const QString& id) const;
    Q_INVOKABLE QString idAt(int row) const;

signals:
    void countChanged();

private:
    static bool newerFirst(const Conversation& a, const Conversation& b);
    QVector<Conversation> items_;
};

// "14:32", "Yesterday", "Mon", "3 Mar 2025": how chat apps label activity times.
QString activityLabel(const QDateTime& when, const QDateTime& now);

}  // namespace kinglet::app

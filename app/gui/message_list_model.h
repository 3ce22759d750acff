// The messages of the open conversation, in order. Streaming appends text to the last
// row and signals only that row, so the view does not rebuild while tokens arrive.
#pragma once
#include <QAbstractListModel>
#include <QVector>

#include "chat_types.h"

namespace kinglet::app {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        RoleRole,     // "user" / "assistant" / "system"
        ContentRole,  // raw Markdown
        BlocksRole,   // [{kind, text, language}] for the view
        StateRole,    // "complete" / "generating" / "interrupted" / "error"
        InfoRole,     // "12.3 tokens/s · model" or the error text
    };

    explicit MessageListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setMessages(QVector<Message> messages);
    void append(const Message& m);
    void appendText(int row, const QString& text);
    void replace(int row, const Message& m);
    void truncate(int fromRow);  // removes rows >= fromRow
    void clear() { setMessages({}); }

    const QVector<Message>& messages() const { return items_; }
    const Message& at(int row) const { return items_.at(row); }
    int rowOf(const QString& id) const;

signals:
    void countChanged();

private:
    QVector<Message> items_;
};

// The line under an answer: speed, model, or what went wrong (from Message::meta).
QString messageInfo(const Message& m);

}  // namespace kinglet::app

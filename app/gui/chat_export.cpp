#include "chat_export.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSaveFile>

namespace kinglet::app {

QString conversationToMarkdown(const Conversation& c, const QVector<Message>& messages) {
    QString out = QStringLiteral("# ") + c.title + QStringLiteral("\n\n");
    out += QStringLiteral("_%1_\n\n").arg(c.createdAt.toString(Qt::ISODate));
    if (!c.systemPrompt.isEmpty()) out += QStringLiteral("> **System:** ") + c.systemPrompt + QStringLiteral("\n\n");
    for (const Message& m : messages) {
        const QString who = m.role == QLatin1String("user") ? QObject::tr("You")
                          : m.role == QLatin1String("assistant") ? QObject::tr("Assistant")
                                                                 : m.role;
        out += QStringLiteral("## ") + who;
        if (m.state != MessageState::Complete) out += QStringLiteral(" (") + messageStateName(m.state) + ')';
        out += QStringLiteral("\n\n") + m.content + QStringLiteral("\n\n");
    }
    return out;
}

QJsonObject conversationToJson(const Conversation& c, const QVector<Message>& messages) {
    QJsonArray list;
    for (const Message& m : messages) {
        list.append(QJsonObject{{"id", m.id},
                                {"role", m.role},
                                {"content", m.content},
                                {"state", messageStateName(m.state)},
                                {"created_at", m.createdAt.toString(Qt::ISODateWithMs)}});
    }
    return QJsonObject{{"id", c.id},
                       {"title", c.title},
                       {"system_prompt", c.systemPrompt},
                       {"created_at", c.createdAt.toString(Qt::ISODateWithMs)},
                       {"updated_at", c.updatedAt.toString(Qt::ISODateWithMs)},
                       {"messages", list}};
}

QString exportFileName(const Conversation& c, const QString& extension) {
    QString base = c.title;
    base.replace(QRegularExpression(QStringLiteral("[^\\w\\- ]+")), QStringLiteral("_"));
    base = base.simplified().left(60);
    if (base.isEmpty()) base = QStringLiteral("chat");
    return base + QStringLiteral(" - ") + c.createdAt.toString(QStringLiteral("yyyy-MM-dd hhmm")) + '.' + extension;
}

bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error) *error = f.errorString();
        return false;
    }
    return true;
}

}  // namespace kinglet::app

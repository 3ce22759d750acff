// One message. The user's on the right in a bubble (plain text, as typed); the
// assistant's full width, rendered as Markdown with code blocks split out. Actions
// under each: Copy; Edit (yours: resend replaces the answers after it); Regenerate
// (the last answer).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Item {
    id: root
    required property int index
    required property string messageId
    required property string author
    required property string content
    required property var blocks
    required property string messageState
    required property string info
    property bool isLast: false
    property bool editing: false

    readonly property bool mine: author === "user"
    readonly property real columnWidth: Math.min(width - 36, 860)
    implicitHeight: column.implicitHeight + 14

    Accessible.role: Accessible.ListItem
    Accessible.name: (mine ? qsTr("You") : qsTr("Assistant")) + ": " + content

    ColumnLayout {
        id: column
        width: root.columnWidth
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.top: parent.top
        anchors.topMargin: 6
        spacing: 4

        Label {
            textFormat: Text.PlainText
            text: root.mine ? qsTr("You") : qsTr("Assistant")
            font.pointSize: Theme.smallFontSize
            font.bold: true
            color: Theme.mutedText
            Layout.alignment: root.mine ? Qt.AlignRight : Qt.AlignLeft
        }

        // The user's message: a bubble sized to its text, at most 80% of the column.
        Rectangle {
            visible: root.mine && !root.editing
            Layout.alignment: Qt.AlignRight
            Layout.preferredWidth: Math.min(root.columnWidth * 0.8, userText.implicitWidth + 28)
            implicitHeight: userText.implicitHeight + 20
            radius: 14
            color: Theme.userBubble
            TextEdit {
                id: userText
                anchors.fill: parent
                anchors.margins: 10
                anchors.leftMargin: 14
                anchors.rightMargin: 14
                text: root.content
                textFormat: TextEdit.PlainText
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Theme.text
                font.pointSize: Theme.fontSize
                selectionColor: Theme.accent
                selectedTextColor: Theme.accentText
            }
        }

        // Editing the user's message.
        ColumnLayout {
            visible: root.editing
            Layout.fillWidth: true
            TextArea {
                id: editArea
                Layout.fillWidth: true
                wrapMode: TextEdit.Wrap
                Accessible.name: qsTr("Edit message")
                Keys.onEscapePressed: root.editing = false
            }
            RowLayout {
                Layout.alignment: Qt.AlignRight
                Button { text: qsTr("Cancel"); onClicked: root.editing = false }
                Button {
                    text: qsTr("Save and resend")
                    highlighted: true
                    enabled: Model.ready && editArea.text.trim().length > 0
                    palette.dark: enabled ? Theme.accent : Theme.border  // see Composer's send button
                    palette.brightText: enabled ? Theme.accentText : Theme.mutedText
                    onClicked: { root.editing = false; Chat.editAndResend(root.index, editArea.text) }
                }
            }
        }

        // The assistant's answer: Markdown text and code blocks. The Repeater counts
        // blocks instead of taking the list itself, so a streamed token updates the last
        // block's text instead of rebuilding every block.
        Repeater {
            model: root.mine ? 0 : root.blocks.length
            delegate: Loader {
                id: blockLoader
                required property int index
                readonly property var block: root.blocks[index] || ({ kind: "text", text: "", language: "" })
                Layout.fillWidth: true
                sourceComponent: block.kind === "code" ? codeComponent
                               : block.kind === "thinking" ? thinkingComponent : textComponent
                Component {
                    id: textComponent
                    TextEdit {
                        text: blockLoader.block.text
                        textFormat: TextEdit.MarkdownText
                        readOnly: true
                        selectByMouse: true
                        wrapMode: TextEdit.Wrap
                        color: Theme.text
                        font.pointSize: Theme.fontSize
                        selectionColor: Theme.accent
                        selectedTextColor: Theme.accentText
                        onLinkActivated: (link) => Qt.openUrlExternally(link)
                    }
                }
                Component {
                    id: codeComponent
                    CodeBlock { code: blockLoader.block.text; language: blockLoader.block.language }
                }
                // A reasoning model's thoughts: collapsed under a header, so the answer
                // is what the user reads first.
                Component {
                    id: thinkingComponent
                    ColumnLayout {
                        spacing: 4
                        property bool expanded: false
                        Button {
                            id: thinkingToggle
                            flat: true
                            text: (parent.expanded ? "\u25be " : "\u25b8 ") + qsTr("Thinking")
                            font.pointSize: Theme.smallFontSize
                            Accessible.name: parent.expanded ? qsTr("Hide the model's thinking") : qsTr("Show the model's thinking")
                            onClicked: parent.expanded = !parent.expanded
                        }
                        TextEdit {
                            visible: parent.expanded
                            Layout.fillWidth: true
                            text: blockLoader.block.text
                            textFormat: TextEdit.PlainText
                            readOnly: true
                            selectByMouse: true
                            wrapMode: TextEdit.Wrap
                            color: Theme.mutedText
                            font.italic: true
                            font.pointSize: Theme.fontSize
                        }
                    }
                }
            }
        }

        Label {
            visible: !root.mine && root.messageState === "generating" && root.content.length === 0
            text: qsTr("Thinking\u2026")
            color: Theme.mutedText
            font.italic: true
        }

        // Info and actions.
        RowLayout {
            // Under the bubble on the right for the user's messages, on the left otherwise.
            Layout.fillWidth: !root.mine
            Layout.alignment: root.mine ? Qt.AlignRight : Qt.AlignLeft
            layoutDirection: root.mine ? Qt.RightToLeft : Qt.LeftToRight
            spacing: 2
            visible: !root.editing && root.messageState !== "generating"
            IconButton {
                id: copyButton
                text: qsTr("Copy")
                tip: qsTr("Copy this message")
                onClicked: { Chat.copyText(root.content); text = qsTr("Copied"); copied.restart() }
                Timer { id: copied; interval: 1500; onTriggered: copyButton.text = qsTr("Copy") }
            }
            IconButton {
                visible: root.mine
                enabled: !Chat.generating
                text: qsTr("Edit")
                tip: qsTr("Edit and resend; the answers after it are replaced")
                onClicked: { editArea.text = root.content; root.editing = true; editArea.forceActiveFocus() }
            }
            IconButton {
                visible: !root.mine && root.isLast
                enabled: Chat.canRegenerate && Model.ready
                text: qsTr("Regenerate")
                tip: qsTr("Write this answer again")
                onClicked: Chat.regenerate()
            }
            Label {
                textFormat: Text.PlainText
                text: root.info
                visible: text.length > 0
                color: root.messageState === "error" ? Theme.errorText : Theme.mutedText
                font.pointSize: Theme.smallFontSize
                wrapMode: Text.Wrap
                Layout.fillWidth: !root.mine
                Layout.leftMargin: 6
                horizontalAlignment: root.mine ? Text.AlignRight : Text.AlignLeft
            }
        }
    }
}

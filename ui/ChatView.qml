// The open conversation: header (title, system prompt, model), the messages, a notice
// when older turns no longer fit the context, and the composer.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: view
    color: Theme.window
    signal modelPageRequested()

    function focusComposer() { composer.focusInput() }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // Header
        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 10
            Layout.leftMargin: 18
            spacing: 8
            Label {
                textFormat: Text.PlainText
                text: Chat.currentTitle
                font.pointSize: Theme.fontSize + 2
                font.bold: true
                elide: Text.ElideRight
                color: Theme.text
                Layout.fillWidth: true
                Accessible.role: Accessible.Heading
            }
            Button {
                text: systemEditor.visible ? qsTr("Hide system prompt")
                                           : (Chat.systemPrompt.length > 0 ? qsTr("System prompt \u2713") : qsTr("System prompt"))
                flat: true
                Accessible.name: qsTr("System prompt for this chat")
                onClicked: systemEditor.visible = !systemEditor.visible
            }
            ModelMenuButton { onManageRequested: view.modelPageRequested() }
        }

        Rectangle {
            id: systemEditor
            visible: false
            Layout.fillWidth: true
            Layout.leftMargin: 18
            Layout.rightMargin: 18
            Layout.bottomMargin: 8
            implicitHeight: systemColumn.implicitHeight + 20
            radius: Theme.radius
            color: Theme.raised
            border.color: Theme.border
            ColumnLayout {
                id: systemColumn
                anchors.fill: parent
                anchors.margins: 10
                Label {
                    text: qsTr("System prompt (how the assistant should behave in this chat)")
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                }
                TextArea {
                    id: systemText
                    Layout.fillWidth: true
                    Layout.maximumHeight: 160
                    wrapMode: TextEdit.Wrap
                    placeholderText: qsTr("e.g. You are a concise assistant. Answer in English.")
                    Accessible.name: qsTr("System prompt")
                    text: Chat.systemPrompt
                    // Saved when focus leaves, not per keystroke.
                    onActiveFocusChanged: if (!activeFocus && text !== Chat.systemPrompt) Chat.systemPrompt = text
                }
            }
        }
        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

        // Messages
        ListView {
            id: messageList
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: Chat.messages
            spacing: 4
            topMargin: 12
            bottomMargin: 12
            boundsBehavior: Flickable.StopAtBounds
            Accessible.role: Accessible.List
            Accessible.name: qsTr("Messages")
            ScrollBar.vertical: ScrollBar {}
            // Follow the streaming answer while the user is at the bottom; leave them be
            // when they scrolled up to read.
            property bool follow: true
            onMovementEnded: follow = atYEnd
            onCountChanged: { follow = true; Qt.callLater(positionViewAtEnd) }
            onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)

            delegate: MessageDelegate {
                width: ListView.view.width
                isLast: index === ListView.view.count - 1
            }

            Column {
                anchors.centerIn: parent
                visible: messageList.count === 0
                spacing: 10
                width: Math.min(parent.width - 40, 520)
                Label {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    text: qsTr("What can I help with?")
                    font.pointSize: Theme.fontSize + 6
                    color: Theme.text
                }
                Label {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                    color: Theme.mutedText
                    textFormat: Text.PlainText
                    text: Model.ready
                          ? qsTr("Everything runs on this computer; nothing you type leaves it. Enter sends, Shift+Enter starts a new line.")
                          : Model.state === "loading" ? qsTr("Loading the model\u2026")
                                                      : qsTr("Choose a model in the top right corner to start.")
                }
            }
        }

        Banner {
            Layout.fillWidth: true
            warning: true
            text: Chat.notice
            dismissable: false
        }

        Composer {
            id: composer
            Layout.fillWidth: true
        }
    }
}

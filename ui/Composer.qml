// Where the user writes. Enter sends, Shift+Enter starts a new line; while an answer
// streams the Send button becomes Stop (Esc does the same).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: composer
    color: Theme.window
    implicitHeight: frame.implicitHeight + 24

    function focusInput() { input.forceActiveFocus() }
    function submit() {
        if (Chat.generating || input.text.trim().length === 0) return
        if (Chat.send(input.text)) input.text = ""
    }

    Rectangle {
        id: frame
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.verticalCenter: parent.verticalCenter
        width: Math.min(parent.width - 36, 860)
        implicitHeight: Math.min(Math.max(input.implicitHeight, 44), 220) + 16
        radius: 14
        color: Theme.surface
        border.color: input.activeFocus ? Theme.accent : Theme.border
        border.width: input.activeFocus ? 2 : 1

        RowLayout {
            anchors.fill: parent
            anchors.margins: 8
            anchors.leftMargin: 12
            spacing: 8
            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                TextArea {
                    id: input
                    objectName: "composerInput"
                    wrapMode: TextEdit.Wrap
                    placeholderText: Model.ready ? qsTr("Message Kinglet (Enter sends, Shift+Enter for a new line)")
                                                 : qsTr("Load a model to start chatting")
                    Accessible.name: qsTr("Message")
                    background: null
                    color: Theme.text
                    Keys.onPressed: (event) => {
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                                && !(event.modifiers & Qt.ShiftModifier)) {
                            composer.submit()
                            event.accepted = true
                        }
                    }
                }
            }
            Button {
                id: sendButton
                Layout.alignment: Qt.AlignBottom
                text: Chat.generating ? qsTr("Stop") : qsTr("Send")
                highlighted: !Chat.generating
                enabled: Chat.generating || (Model.ready && input.text.trim().length > 0)
                // The Basic style paints a highlighted button in palette.dark with brightText
                // (a pale grey with white text in this theme): the main action gets the accent.
                palette.dark: enabled ? Theme.accent : Theme.border
                palette.brightText: enabled ? Theme.accentText : Theme.mutedText
                Accessible.name: Chat.generating ? qsTr("Stop generating (Esc)") : qsTr("Send message")
                ToolTip.visible: hovered
                ToolTip.text: Chat.generating ? qsTr("Stop (Esc)") : qsTr("Send (Enter)")
                ToolTip.delay: 600
                onClicked: Chat.generating ? Chat.stop() : composer.submit()
            }
        }
    }
}

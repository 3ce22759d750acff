// A fenced code block: monospace, its language, and a Copy button of its own.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: block
    property string code: ""
    property string language: ""
    implicitHeight: column.implicitHeight
    radius: 6
    color: Theme.codeBackground
    border.color: Theme.border

    ColumnLayout {
        id: column
        anchors.left: parent.left
        anchors.right: parent.right
        spacing: 0
        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 10
            Layout.rightMargin: 4
            Label {
                textFormat: Text.PlainText
                text: block.language.length > 0 ? block.language : qsTr("code")
                color: Theme.mutedText
                font.pointSize: Theme.smallFontSize
                Layout.fillWidth: true
            }
            IconButton {
                id: copyButton
                text: qsTr("Copy")
                tip: qsTr("Copy this code")
                onClicked: { Chat.copyText(block.code); text = qsTr("Copied"); resetLabel.restart() }
                Timer { id: resetLabel; interval: 1500; onTriggered: copyButton.text = qsTr("Copy") }
            }
        }
        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
        TextEdit {
            Layout.fillWidth: true
            Layout.margins: 10
            text: block.code
            textFormat: TextEdit.PlainText
            readOnly: true
            selectByMouse: true
            wrapMode: TextEdit.WrapAnywhere
            font.family: Theme.monoFamily
            font.pointSize: Theme.fontSize - 1
            color: Theme.text
            selectionColor: Theme.accent
            selectedTextColor: Theme.accentText
            Accessible.name: qsTr("Code")
        }
    }
}

// A short message at the bottom of the window ("Exported to ..."), optionally with one
// action ("Undo"). Disappears after a few seconds.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: toast
    property string text: ""
    property string actionText: ""
    property int timeout: 8000
    signal action()
    signal closed()

    function show(message) { text = message; hideTimer.restart() }

    visible: text.length > 0
    width: Math.min(parent ? parent.width - 40 : 500, row.implicitWidth + 32)
    height: row.implicitHeight + 18
    radius: Theme.radius
    color: Theme.dark ? "#e9e9ec" : "#26282d"
    Accessible.role: Accessible.AlertMessage
    Accessible.name: text

    onTextChanged: if (text.length > 0) hideTimer.restart()
    Timer {
        id: hideTimer
        interval: toast.timeout
        onTriggered: { toast.text = ""; toast.closed() }
    }
    RowLayout {
        id: row
        anchors.centerIn: parent
        spacing: 14
        Label {
            textFormat: Text.PlainText
            text: toast.text
            color: Theme.dark ? "#1c1d21" : "#ffffff"
            font.pointSize: Theme.fontSize
            elide: Text.ElideMiddle
            Layout.maximumWidth: 640
        }
        Button {
            id: actionButton
            visible: toast.actionText.length > 0
            text: toast.actionText
            flat: true
            font.bold: true
            Accessible.name: toast.actionText
            onClicked: { toast.action(); toast.text = "" }
            // The toast is dark on light and light on dark: the accent of the other theme reads on it.
            contentItem: Text {
                textFormat: Text.PlainText
                text: actionButton.text
                font: actionButton.font
                color: Theme.dark ? "#1d4ed8" : "#8ab4f8"
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            background: Rectangle {
                radius: 6
                color: actionButton.hovered ? (Theme.dark ? "#d6d7dc" : "#3a3d44") : "transparent"
            }
        }
    }
}

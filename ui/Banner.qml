// A coloured strip across the window for problems the user must see (save failures,
// storage problems, model errors), with optional action buttons.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: banner
    property string text: ""
    property bool warning: false  // yellow notice instead of red error
    property alias actions: actionRow.data
    signal dismissed()
    property bool dismissable: true

    visible: text.length > 0
    implicitHeight: visible ? row.implicitHeight + 16 : 0
    color: warning ? Theme.noticeBackground : Theme.errorBackground
    Accessible.role: Accessible.AlertMessage
    Accessible.name: text

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 8
        spacing: 8
        Label {
            Layout.fillWidth: true
            textFormat: Text.PlainText
            text: banner.text
            wrapMode: Text.Wrap
            color: banner.warning ? Theme.noticeText : Theme.errorText
            font.pointSize: Theme.fontSize
        }
        RowLayout { id: actionRow; spacing: 6 }
        IconButton {
            visible: banner.dismissable
            text: "\u2715"
            tip: qsTr("Dismiss")
            onClicked: banner.dismissed()
        }
    }
}

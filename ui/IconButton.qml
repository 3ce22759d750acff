// A small flat text button for message actions (Copy, Edit, Regenerate).
import QtQuick
import QtQuick.Controls

ToolButton {
    id: control
    property string tip: ""
    font.pointSize: Theme.smallFontSize
    padding: 4
    leftPadding: 8
    rightPadding: 8
    Accessible.name: tip.length > 0 ? tip : text
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.text: tip
    ToolTip.delay: 600
    contentItem: Text {
        textFormat: Text.PlainText
        text: control.text
        font: control.font
        color: control.enabled ? (control.hovered ? Theme.text : Theme.mutedText) : Theme.border
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: 6
        color: control.down ? Theme.selected : (control.hovered ? Theme.hover : "transparent")
    }
}

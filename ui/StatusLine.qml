// The bottom line: model, backend and device (with the reason for a CPU fallback),
// speed of the last answer, and how full the context is.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: status
    color: Theme.sidebar
    implicitHeight: 30

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 12
        anchors.rightMargin: 12
        spacing: 14

        Label {
            id: modelLabel
            color: Model.state === "error" ? Theme.errorText : Theme.mutedText
            font.pointSize: Theme.smallFontSize
            elide: Text.ElideRight
            Layout.fillWidth: Model.state !== "loading"
            Accessible.name: text
            ToolTip.visible: modelArea.containsMouse && Model.state === "ready"
            // The whole line can be elided; the tooltip keeps the reason for a CPU fallback readable.
            ToolTip.text: Model.path + "\n" + qsTr("Prompt format: %1").arg(Model.promptFormat)
                          + (Model.fallbackReason.length > 0 ? "\n" + Model.fallbackReason : "")
            MouseArea { id: modelArea; anchors.fill: parent; hoverEnabled: true }
            textFormat: Text.PlainText
            text: {
                if (Model.state === "ready") {
                    var s = Model.name + "  \u00b7  " + Model.backend + " (" + Model.device + ")"
                    if (Model.fallbackReason.length > 0) s += "  \u00b7  " + Model.fallbackReason
                    return s
                }
                if (Model.state === "loading") return qsTr("Loading model\u2026 %1%").arg(Math.round(Model.progress * 100))
                if (Model.state === "error") return Model.error
                return qsTr("No model loaded")
            }
        }
        ProgressBar {
            visible: Model.state === "loading"
            value: Model.progress
            Layout.fillWidth: true
            Layout.maximumWidth: 280
            Accessible.name: qsTr("Model loading progress")
        }
        Button {
            visible: Model.state === "loading"
            text: qsTr("Cancel")
            flat: true
            onClicked: Model.cancelLoad()
        }
        Item { visible: Model.state === "loading"; Layout.fillWidth: true }
        Label {
            visible: Chat.generating
            text: qsTr("Generating\u2026 (Esc stops)")
            color: Theme.accent
            font.pointSize: Theme.smallFontSize
        }
        Label {
            visible: Model.ready && Chat.tokensPerSecond > 0
            textFormat: Text.PlainText
            text: qsTr("%1 tokens/s").arg(Chat.tokensPerSecond.toFixed(1))
            color: Theme.mutedText
            font.pointSize: Theme.smallFontSize
            Accessible.name: text
        }
        Label {
            visible: Model.ready
            textFormat: Text.PlainText
            text: Chat.contextUsed > 0 ? qsTr("Context %1 / %2 tokens").arg(Chat.contextUsed).arg(Model.contextSize)
                                       : qsTr("Context %1 tokens").arg(Model.contextSize)
            color: Chat.notice.length > 0 ? Theme.noticeText : Theme.mutedText
            font.pointSize: Theme.smallFontSize
            Accessible.name: text
            ToolTip.visible: contextArea.containsMouse && Chat.notice.length > 0
            ToolTip.text: Chat.notice
            MouseArea { id: contextArea; anchors.fill: parent; hoverEnabled: true }
        }
    }
}

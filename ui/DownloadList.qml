// The download queue: progress, speed and time left, pause/resume, cancel, retry, and
// what went wrong in plain words.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

ListView {
    id: list
    clip: true
    spacing: 6
    model: Library.downloads
    objectName: "downloadList"
    Accessible.role: Accessible.List
    Accessible.name: qsTr("Downloads")
    ScrollBar.vertical: ScrollBar {}

    Label {
        visible: list.count === 0
        anchors.centerIn: parent
        text: qsTr("No downloads. Choose a model under \u201cGet models\u201d.")
        color: Theme.mutedText
    }

    delegate: Rectangle {
        id: row
        required property int index
        required property string title
        required property string fileName
        required property string status
        required property double progress
        required property string progressText
        required property string speedText
        required property string etaText
        required property string error
        required property string note
        required property string sha256
        required property bool verified
        width: ListView.view.width - 12
        implicitHeight: col.implicitHeight + 20
        radius: Theme.radius
        color: Theme.raised
        border.color: row.status === "failed" ? Theme.errorText : Theme.border
        readonly property var statusText: ({
            queued: qsTr("Waiting"), running: qsTr("Downloading"), paused: qsTr("Paused"),
            verifying: qsTr("Checking"), done: qsTr("Done"), failed: qsTr("Failed"), canceled: qsTr("Canceled")
        })

        ColumnLayout {
            id: col
            anchors.fill: parent
            anchors.margins: 10
            anchors.leftMargin: 14
            spacing: 4
            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: row.title
                    font.bold: true
                    color: Theme.text
                    elide: Text.ElideRight
                }
                Label { text: row.statusText[row.status] || row.status; color: row.status === "failed" ? Theme.errorText : Theme.mutedText }
                Button {
                    visible: row.status === "running" || row.status === "queued"
                    text: qsTr("Pause")
                    onClicked: Library.downloads.pause(row.index)
                }
                Button {
                    visible: row.status === "paused" || row.status === "failed" || row.status === "canceled"
                    text: row.status === "paused" ? qsTr("Resume") : qsTr("Retry")
                    onClicked: Library.downloads.resume(row.index)
                }
                Button {
                    visible: row.status === "running" || row.status === "queued" || row.status === "paused"
                    text: qsTr("Cancel")
                    onClicked: Library.downloads.cancel(row.index)
                }
                Button {
                    visible: row.status === "done" || row.status === "failed" || row.status === "canceled"
                    text: qsTr("Clear")
                    onClicked: Library.downloads.remove(row.index)
                }
            }
            ProgressBar {
                Layout.fillWidth: true
                visible: row.status === "running" || row.status === "paused" || row.status === "queued" || row.status === "verifying"
                value: row.progress
                indeterminate: row.status === "verifying" || (row.status === "running" && row.progress <= 0)
            }
            Label {
                Layout.fillWidth: true
                color: Theme.mutedText
                font.pointSize: Theme.smallFontSize
                elide: Text.ElideRight
                textFormat: Text.PlainText
                text: [row.progressText, row.speedText, row.etaText].filter(s => s.length > 0).join("  \u00b7  ")
                visible: row.status === "running" || row.status === "paused" || row.status === "queued"
            }
            Label {
                visible: row.note.length > 0
                Layout.fillWidth: true
                wrapMode: Text.WrapAnywhere
                color: row.status === "done" && !row.verified ? Theme.noticeText : Theme.mutedText
                font.pointSize: Theme.smallFontSize
                textFormat: Text.PlainText
                text: row.note
            }
            Label {
                visible: row.error.length > 0
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                color: Theme.errorText
                textFormat: Text.PlainText
                text: row.error
            }
        }
    }
}

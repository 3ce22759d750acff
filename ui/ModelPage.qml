// The models page: the models found on this computer, load / unload with progress, and
// how to get one when there is none. The model library (catalog, downloads, import)
// grows into this page.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: page
    color: Theme.window
    signal done()
    property bool canClose: true

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 14

        RowLayout {
            Layout.fillWidth: true
            Label {
                text: qsTr("Models")
                font.pointSize: Theme.fontSize + 6
                font.bold: true
                color: Theme.text
                Layout.fillWidth: true
                Accessible.role: Accessible.Heading
            }
            Button { text: qsTr("Refresh"); onClicked: ModelFiles.refresh() }
            Button { visible: page.canClose; text: qsTr("Back to chat"); onClicked: page.done() }
        }

        // No model at all: say plainly how to get one.
        Rectangle {
            visible: ModelFiles.count === 0
            Layout.fillWidth: true
            implicitHeight: emptyColumn.implicitHeight + 32
            radius: Theme.radius
            color: Theme.raised
            border.color: Theme.border
            ColumnLayout {
                id: emptyColumn
                anchors.fill: parent
                anchors.margins: 16
                spacing: 8
                Label {
                    text: qsTr("No model yet")
                    font.bold: true
                    font.pointSize: Theme.fontSize + 2
                    color: Theme.text
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.text
                    textFormat: Text.StyledText
                    text: qsTr("Kinglet runs language models in the GGUF format on this computer. Download one "
                               + "(for example a small instruct model such as Qwen2.5 0.5B Instruct, Q4_K_M, from "
                               + "Hugging Face) and put the <b>.gguf</b> file into this folder, then press Refresh:")
                }
                TextEdit {
                    Layout.fillWidth: true
                    text: ModelFiles.userFolder
                    readOnly: true
                    selectByMouse: true
                    font.family: Theme.monoFamily
                    color: Theme.text
                    wrapMode: TextEdit.WrapAnywhere
                    Accessible.name: qsTr("Models folder")
                }
                RowLayout {
                    Button {
                        text: qsTr("Open the models folder")
                        onClicked: Qt.openUrlExternally("file://" + ModelFiles.userFolder)
                    }
                    Button { text: qsTr("Copy the path"); onClicked: Chat.copyText(ModelFiles.userFolder) }
                }
            }
        }

        Label {
            visible: Model.state === "error"
            text: Model.error
            color: Theme.errorText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }

        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 6
            model: ModelFiles
            Accessible.role: Accessible.List
            Accessible.name: qsTr("Models on this computer")
            delegate: Rectangle {
                id: row
                required property string name
                required property string path
                required property string sizeText
                required property bool demo
                readonly property bool current: Model.path === path
                width: ListView.view.width
                implicitHeight: rowLayout.implicitHeight + 20
                radius: Theme.radius
                color: current ? Theme.selected : Theme.raised
                border.color: Theme.border
                RowLayout {
                    id: rowLayout
                    anchors.fill: parent
                    anchors.margins: 10
                    anchors.leftMargin: 14
                    spacing: 12
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            text: row.name + (row.demo ? "  \u00b7  " + qsTr("demo model (writes tiny stories)") : "")
                            font.bold: true
                            color: Theme.text
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                        }
                        Label {
                            text: row.sizeText + "  \u00b7  " + row.path
                            color: Theme.mutedText
                            font.pointSize: Theme.smallFontSize
                            elide: Text.ElideMiddle
                            Layout.fillWidth: true
                        }
                        ProgressBar {
                            visible: row.current && Model.state === "loading"
                            value: Model.progress
                            Layout.fillWidth: true
                        }
                    }
                    Label {
                        visible: row.current && Model.state === "ready"
                        text: qsTr("Loaded")
                        color: Theme.accent
                    }
                    Button {
                        text: row.current && Model.state === "ready" ? qsTr("Unload")
                              : row.current && Model.state === "loading" ? qsTr("Cancel") : qsTr("Load")
                        Accessible.name: text + " " + row.name
                        onClicked: {
                            if (row.current && Model.state === "ready") Model.unload()
                            else if (row.current && Model.state === "loading") Model.cancelLoad()
                            else Model.load(row.path)
                        }
                    }
                }
            }
        }
    }
}

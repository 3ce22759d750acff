// The models page, the model library: the models on this computer with what they are
// and whether they fit, a curated catalog to download from, the download queue, and the
// models folder (open, change).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: page
    color: Theme.window
    signal done()
    property bool canClose: true
    property alias tab: tabs.currentIndex  // 0 on this computer, 1 get models, 2 downloads
    // Which GPU a model would run on and how much of its memory is free: looked up each
    // time the page is shown, as that changes.
    onVisibleChanged: if (visible) Library.probeGpus()
    Component.onCompleted: if (visible) Library.probeGpus()

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 12

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
            Button { text: qsTr("Refresh"); onClicked: Library.refresh() }
            Button { visible: page.canClose; text: qsTr("Back to chat"); onClicked: page.done() }
        }

        // Where the models are, and how much room there is to run them.
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label { text: qsTr("Models folder:"); color: Theme.mutedText }
            TextEdit {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: Library.modelsFolder
                readOnly: true
                selectByMouse: true
                font.family: Theme.monoFamily
                color: Theme.text
                wrapMode: TextEdit.WrapAnywhere
                Accessible.name: qsTr("Models folder")
            }
            Button { text: qsTr("Open"); onClicked: Library.openFolder("") }
            Button { text: qsTr("Change\u2026"); onClicked: folderDialog.open() }
        }
        Label {
            Layout.fillWidth: true
            textFormat: Text.PlainText
            text: Library.memoryText
            color: Theme.mutedText
            font.pointSize: Theme.smallFontSize
        }

        // No model at all: one click to a working one.
        Rectangle {
            visible: Library.count === 0
            Layout.fillWidth: true
            implicitHeight: emptyColumn.implicitHeight + 28
            radius: Theme.radius
            color: Theme.raised
            border.color: Theme.border
            ColumnLayout {
                id: emptyColumn
                anchors.fill: parent
                anchors.margins: 14
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
                    textFormat: Text.PlainText
                    text: qsTr("Kinglet runs language models (GGUF files) on this computer, offline. Download one below: "
                               + "Qwen2.5 1.5B Instruct Q4_K_M is a good start. Or put a .gguf file you already have into the "
                               + "models folder and press Refresh.")
                }
                RowLayout {
                    Button {
                        text: qsTr("Get the 1 MB demo model")
                        onClicked: { const e = Library.download(0); if (e.length > 0) Chat.info(e); else tabs.currentIndex = 2 }
                    }
                    Button { text: qsTr("Copy the folder path"); onClicked: Chat.copyText(Library.modelsFolder) }
                }
            }
        }

        Label {
            visible: Model.state === "error"
            textFormat: Text.PlainText
            text: Model.error
            color: Theme.errorText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }

        TabBar {
            id: tabs
            objectName: "libraryTabs"
            Layout.fillWidth: true
            currentIndex: Library.count === 0 ? 1 : 0
            // Unselected tabs are drawn in palette.dark with brightText (white by default):
            // keep their labels readable.
            palette.brightText: Theme.text
            TabButton { text: qsTr("On this computer (%1)").arg(Library.count) }
            TabButton { text: qsTr("Get models") }
            TabButton {
                text: Library.downloads.active > 0 ? qsTr("Downloads (%1)").arg(Library.downloads.active) : qsTr("Downloads")
            }
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: tabs.currentIndex
            LibraryInstalled {}
            LibraryCatalog { onDownloadStarted: tabs.currentIndex = 2 }
            DownloadList {}
        }
    }

    Dialog {
        id: folderDialog
        objectName: "modelsFolderDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(560, parent ? parent.width - 40 : 560)
        modal: true
        title: qsTr("Models folder")
        onOpened: { folderField.text = Library.modelsFolder; folderError.text = ""; folderField.forceActiveFocus() }
        ColumnLayout {
            anchors.fill: parent
            spacing: 8
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                color: Theme.text
                text: qsTr("Kinglet looks for .gguf files in this folder and downloads into it. Files already there stay where they are.")
            }
            TextField {
                id: folderField
                Layout.fillWidth: true
                font.family: Theme.monoFamily
                selectByMouse: true
                Accessible.name: qsTr("Folder path")
                onAccepted: folderDialog.accept()
            }
            Label { id: folderError; Layout.fillWidth: true; wrapMode: Text.Wrap; color: Theme.errorText; visible: text.length > 0 }
        }
        footer: DialogButtonBox {
            Button { text: qsTr("Use this folder"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            Button { text: qsTr("Cancel"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
        }
        onAccepted: {
            const error = Library.setModelsFolder(folderField.text)
            if (error.length > 0) { folderError.text = error; open() }
        }
    }
}

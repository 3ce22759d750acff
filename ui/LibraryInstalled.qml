// The models on this computer, as the library knows them: name, architecture,
// parameters, quantization, size, context, chat template, whether this version runs
// it (and why not), and whether it fits in memory. Load warns first when it will not
// fit; delete asks first.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

ListView {
    id: list
    clip: true
    spacing: 6
    model: Library
    objectName: "libraryInstalledList"
    Accessible.role: Accessible.List
    Accessible.name: qsTr("Models on this computer")
    ScrollBar.vertical: ScrollBar {}

    function requestLoad(path, name) {
        const level = Library.fitLevel(path)
        if (level === "wontFit") {
            fitDialog.path = path
            fitDialog.name = name
            fitDialog.detail = Library.fitText(path)
            fitDialog.open()
        } else {
            Model.load(path)
        }
    }

    // A small tag: "qwen2", "Q4_K_M", "0.5B"...
    component Tag: Rectangle {
        property alias text: tagLabel.text
        property color fg: Theme.mutedText
        visible: text.length > 0
        implicitWidth: tagLabel.implicitWidth + 12
        implicitHeight: tagLabel.implicitHeight + 4
        radius: 4
        color: Theme.window
        border.color: Theme.border
        Label {
            id: tagLabel
            anchors.centerIn: parent
            color: parent.fg
            font.pointSize: Theme.smallFontSize
        }
    }

    delegate: Rectangle {
        id: row
        required property int index
        required property string name
        required property string path
        required property string fileName
        required property string sizeText
        required property bool demo
        required property bool scanned
        required property bool supported
        required property string reason
        required property string architecture
        required property string parametersText
        required property string quantization
        required property int contextLength
        required property bool hasTemplate
        required property string fitLevel
        required property string fitText
        required property bool deletable
        readonly property bool current: Model.path === path
        width: ListView.view.width - 12
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
                spacing: 4
                RowLayout {
                    spacing: 8
                    Layout.fillWidth: true
                    Label {
                        textFormat: Text.PlainText
                        text: row.name
                        font.bold: true
                        color: Theme.text
                        elide: Text.ElideRight
                        Layout.maximumWidth: rowLayout.width * 0.5
                    }
                    Tag { text: row.demo ? qsTr("demo: writes tiny stories") : "" }
                    Tag { text: row.architecture }
                    Tag { text: row.parametersText }
                    Tag { text: row.quantization }
                    Item { Layout.fillWidth: true }
                }
                Label {
                    Layout.fillWidth: true
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                    elide: Text.ElideMiddle
                    textFormat: Text.PlainText
                    text: {
                        let parts = [row.sizeText]
                        if (row.contextLength > 0) parts.push(qsTr("%1 tokens of context").arg(row.contextLength.toLocaleString(Qt.locale(), 'f', 0)))
                        if (row.scanned && row.supported) parts.push(row.hasTemplate ? qsTr("chat template") : qsTr("no chat template (plain text)"))
                        parts.push(row.fileName)
                        return parts.join("  \u00b7  ")
                    }
                }
                Label {
                    visible: !row.scanned
                    text: qsTr("Reading the file\u2026")
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                }
                Label {
                    visible: row.scanned && !row.supported
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    textFormat: Text.PlainText
                    text: qsTr("Not supported by this version: %1").arg(row.reason)
                    color: Theme.errorText
                    font.pointSize: Theme.smallFontSize
                }
                Label {
                    visible: row.scanned && row.supported && row.fitText.length > 0
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    textFormat: Text.PlainText
                    text: (row.fitLevel === "wontFit" ? "\u26a0 " : "") + row.fitText
                    color: row.fitLevel === "wontFit" ? Theme.errorText
                           : row.fitLevel === "tight" ? Theme.noticeText : Theme.mutedText
                    font.pointSize: Theme.smallFontSize
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
                enabled: row.supported || (row.current && Model.state !== "none")
                text: row.current && Model.state === "ready" ? qsTr("Unload")
                      : row.current && Model.state === "loading" ? qsTr("Cancel") : qsTr("Load")
                Accessible.name: text + " " + row.name
                onClicked: {
                    if (row.current && Model.state === "ready") Model.unload()
                    else if (row.current && Model.state === "loading") Model.cancelLoad()
                    else list.requestLoad(row.path, row.name)
                }
            }
            Button {
                text: "\u22ef"
                Accessible.name: qsTr("More for %1").arg(row.name)
                onClicked: rowMenu.popup()
                Menu {
                    id: rowMenu
                    MenuItem { text: qsTr("Show in folder"); onTriggered: Library.openFolder(row.path) }
                    MenuItem { text: qsTr("Copy the path"); onTriggered: Chat.copyText(row.path) }
                    MenuItem {
                        text: qsTr("Delete\u2026")
                        enabled: row.deletable
                        onTriggered: { deleteDialog.path = row.path; deleteDialog.name = row.name; deleteDialog.sizeText = row.sizeText; deleteDialog.open() }
                    }
                }
            }
        }
    }

    Dialog {
        id: fitDialog
        property string path
        property string name
        property string detail
        objectName: "fitWarningDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(480, parent ? parent.width - 40 : 480)
        modal: true
        title: qsTr("This model may not fit in memory")
        Label {
            width: parent.width
            wrapMode: Text.Wrap
            color: Theme.text
            textFormat: Text.PlainText
            text: qsTr("%1: %2.\n\nLoading it may make the computer very slow or fail. Close other programs, or choose a smaller context in the settings or a smaller model.").arg(fitDialog.name).arg(fitDialog.detail)
        }
        footer: DialogButtonBox {
            Button { text: qsTr("Load anyway"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            Button { text: qsTr("Cancel"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
        }
        onAccepted: Model.load(path)
    }

    Dialog {
        id: deleteDialog
        property string path
        property string name
        property string sizeText
        objectName: "deleteModelDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(480, parent ? parent.width - 40 : 480)
        modal: true
        title: qsTr("Delete this model?")
        Label {
            width: parent.width
            wrapMode: Text.Wrap
            color: Theme.text
            textFormat: Text.PlainText
            text: qsTr("%1 (%2) will be deleted from the disk:\n%3").arg(deleteDialog.name).arg(deleteDialog.sizeText).arg(deleteDialog.path)
        }
        footer: DialogButtonBox {
            Button { text: qsTr("Delete"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            Button { text: qsTr("Keep"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
        }
        onAccepted: {
            const error = Library.deleteModel(path)
            if (error.length > 0) Chat.info(error)
        }
    }
}

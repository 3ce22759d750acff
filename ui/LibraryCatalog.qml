// The curated catalog: good small instruct models, one click to download into the
// models folder. Models this version cannot run are shown as "coming".
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

ColumnLayout {
    id: root
    spacing: 8
    signal downloadStarted()

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        color: Theme.mutedText
        font.pointSize: Theme.smallFontSize
        textFormat: Text.PlainText
        text: qsTr("Downloads come from Hugging Face and go to the models folder. Q4_K_M files are smaller and faster; "
                   + "Q8_0 files are larger and a little better. Where no checksum has been published with Kinglet, the file "
                   + "is unverified: only its size is checked, and its SHA-256 is shown after the download.")
    }

ListView {
    id: list
    Layout.fillWidth: true
    Layout.fillHeight: true
    clip: true
    spacing: 6
    model: Library.catalog
    objectName: "libraryCatalogList"
    Accessible.role: Accessible.List
    Accessible.name: qsTr("Models to download")
    ScrollBar.vertical: ScrollBar {}
    delegate: Rectangle {
        id: row
        required property int index
        required property string name
        required property string architecture
        required property string parametersText
        required property string quantization
        required property string sizeText
        required property string sha256
        required property string license
        required property string description
        required property bool supported
        required property bool installed
        width: ListView.view.width - 12
        implicitHeight: rowLayout.implicitHeight + 20
        radius: Theme.radius
        color: Theme.raised
        border.color: Theme.border
        RowLayout {
            id: rowLayout
            anchors.fill: parent
            anchors.margins: 10
            anchors.leftMargin: 14
            spacing: 12
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 3
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: row.name + "  \u00b7  " + row.quantization
                    font.bold: true
                    color: Theme.text
                    elide: Text.ElideRight
                }
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: row.description
                    color: Theme.text
                    wrapMode: Text.Wrap
                    font.pointSize: Theme.smallFontSize
                }
                Label {
                    Layout.fillWidth: true
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                    elide: Text.ElideRight
                    textFormat: Text.PlainText
                    text: [row.sizeText, row.parametersText + " " + qsTr("parameters"), row.architecture, row.license,
                           row.sha256.length > 0 ? qsTr("checksum published") : qsTr("unverified: no published checksum")].join("  \u00b7  ")
                }
            }
            Label {
                visible: row.installed
                text: qsTr("Installed")
                color: Theme.accent
            }
            Button {
                visible: !row.installed
                enabled: row.supported
                text: row.supported ? qsTr("Download") : qsTr("Coming")
                Accessible.name: text + " " + row.name + " " + row.quantization
                onClicked: {
                    const error = Library.download(row.index)
                    if (error.length > 0) Chat.info(error)
                    else root.downloadStarted()
                }
            }
        }
    }
}
}

// Conversation list: New chat, search (titles and message text), the chats by last
// activity with rename / export / delete, and the Settings button.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: sidebar
    color: Theme.sidebar
    signal settingsRequested()
    signal conversationChosen()

    function focusSearch() { search.forceActiveFocus(); search.selectAll() }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 10
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            Label {
                text: "Kinglet"
                font.pointSize: Theme.fontSize + 3
                font.bold: true
                color: Theme.text
                Layout.fillWidth: true
                Layout.leftMargin: 4
            }
            Button {
                id: newButton
                text: qsTr("+ New chat")
                Accessible.name: qsTr("New chat")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("New chat (Ctrl+N)")
                ToolTip.delay: 600
                onClicked: { Chat.newConversation(); sidebar.conversationChosen() }
            }
        }

        TextField {
            id: search
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search chats (Ctrl+F)")
            Accessible.name: qsTr("Search chats")
            text: Chat.searchText
            onTextEdited: Chat.searchText = text
            Keys.onEscapePressed: { Chat.searchText = ""; text = "" }
        }

        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: Chat.conversations
            spacing: 2
            Accessible.role: Accessible.List
            Accessible.name: qsTr("Conversations")
            ScrollBar.vertical: ScrollBar {}

            delegate: ItemDelegate {
                id: row
                required property int index
                required property string conversationId
                required property string title
                required property string when
                property bool editing: false
                width: ListView.view.width
                highlighted: conversationId === Chat.currentId
                Accessible.name: title
                onClicked: { Chat.selectConversation(conversationId); sidebar.conversationChosen() }
                onDoubleClicked: editing = true

                background: Rectangle {
                    radius: 6
                    color: row.highlighted ? Theme.selected : (row.hovered ? Theme.hover : "transparent")
                }
                contentItem: RowLayout {
                    spacing: 6
                    Label {
                        visible: !row.editing
                        textFormat: Text.PlainText
                        text: row.title
                        elide: Text.ElideRight
                        color: Theme.text
                        Layout.fillWidth: true
                    }
                    TextField {
                        id: renameField
                        visible: row.editing
                        Layout.fillWidth: true
                        text: row.title
                        Accessible.name: qsTr("New title")
                        onVisibleChanged: if (visible) { forceActiveFocus(); selectAll() }
                        onAccepted: { Chat.renameConversation(row.conversationId, text); row.editing = false }
                        Keys.onEscapePressed: row.editing = false
                        onActiveFocusChanged: if (!activeFocus) row.editing = false
                    }
                    Label {
                        visible: !row.editing && !menuButton.visible
                        textFormat: Text.PlainText
                        text: row.when
                        color: Theme.mutedText
                        font.pointSize: Theme.smallFontSize
                    }
                    IconButton {
                        id: menuButton
                        visible: !row.editing && (row.hovered || row.highlighted || hovered)
                        text: "\u22EF"
                        tip: qsTr("More actions for this chat")
                        onClicked: rowMenu.popup()
                    }
                }
                TapHandler {
                    acceptedButtons: Qt.RightButton
                    onTapped: rowMenu.popup()
                }
                Menu {
                    id: rowMenu
                    MenuItem { text: qsTr("Rename"); onTriggered: row.editing = true }
                    MenuItem { text: qsTr("Export as Markdown"); onTriggered: Chat.exportConversation(row.conversationId, "markdown") }
                    MenuItem { text: qsTr("Export as JSON"); onTriggered: Chat.exportConversation(row.conversationId, "json") }
                    MenuSeparator {}
                    MenuItem { text: qsTr("Delete"); onTriggered: Chat.deleteConversation(row.conversationId) }
                }
            }

            Label {
                anchors.centerIn: parent
                width: parent.width - 20
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                color: Theme.mutedText
                textFormat: Text.PlainText
                text: Chat.searchText.length > 0 ? qsTr("No chat contains \u201c%1\u201d.").arg(Chat.searchText)
                                                 : qsTr("Your chats will appear here.")
            }
        }

        RowLayout {
            Layout.fillWidth: true
            Button {
                text: qsTr("Settings")
                Accessible.name: qsTr("Settings")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Settings (Ctrl+,)")
                ToolTip.delay: 600
                flat: true
                onClicked: sidebar.settingsRequested()
            }
            Item { Layout.fillWidth: true }
            Button {
                text: qsTr("Export all")
                flat: true
                Accessible.name: qsTr("Export all chats")
                onClicked: exportMenu.popup()
                Menu {
                    id: exportMenu
                    MenuItem { text: qsTr("All chats as Markdown"); onTriggered: Chat.exportAll("markdown") }
                    MenuItem { text: qsTr("All chats as JSON"); onTriggered: Chat.exportAll("json") }
                }
            }
        }
    }
}

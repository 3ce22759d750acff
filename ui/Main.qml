// The main window: conversation list on the left, the chat (or the model page) on the
// right, banners for problems on top, the status line at the bottom.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

ApplicationWindow {
    id: window
    width: 1180
    height: 760
    minimumWidth: 720
    minimumHeight: 480
    visible: true
    title: Chat.currentTitle.length > 0 ? Chat.currentTitle + " \u2014 Kinglet" : "Kinglet"
    color: Theme.window
    font.pointSize: Theme.fontSize

    // Basic style controls draw with these roles.
    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.surface
    palette.alternateBase: Theme.raised
    palette.text: Theme.text
    palette.button: Theme.raised
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.light: Theme.hover
    palette.midlight: Theme.hover
    palette.mid: Theme.border
    palette.dark: Theme.border
    palette.shadow: Theme.border
    palette.placeholderText: Theme.mutedText
    palette.toolTipBase: Theme.raised
    palette.toolTipText: Theme.text

    // The model page shows instead of the chat at start when there is no model to chat
    // with, and whenever the user opens it from the model menu. Choosing a chat in the
    // list goes back to it (old chats stay readable without a model).
    property bool modelPageRequested: false
    readonly property bool showModelPage: modelPageRequested
    Component.onCompleted: modelPageRequested = Model.state !== "loading" && Model.state !== "ready"
                                                && ModelFiles.count === 0

    function openSettings() { settingsDialog.open() }

    // Explicit sequences only: a StandardKey that maps to the same keys would make the
    // shortcut ambiguous, and then neither fires.
    Shortcut {
        sequence: "Ctrl+N"
        onActivated: { Chat.newConversation(); window.modelPageRequested = false; chatView.focusComposer() }
    }
    Shortcut { sequence: "Ctrl+F"; onActivated: sidebar.focusSearch() }
    Shortcut { sequence: "Escape"; enabled: Chat.generating; onActivated: Chat.stop() }
    Shortcut { sequence: "Ctrl+,"; onActivated: window.openSettings() }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Banner {
            id: storageBanner
            Layout.fillWidth: true
            text: Chat.storageMessage
            warning: Chat.storageProblem === "readOnly" || Chat.storageProblem === "tooNew"
            dismissable: warning
            onDismissed: text = ""
            actions: [
                Button {
                    visible: Chat.storageProblem === "locked" || Chat.storageProblem === "corrupt"
                             || Chat.storageProblem === "failed"
                    text: qsTr("Open read-only")
                    onClicked: Chat.openStoreReadOnly()
                },
                Button {
                    visible: Chat.storageProblem === "corrupt" || Chat.storageProblem === "failed"
                    text: qsTr("Move aside and start fresh")
                    onClicked: Chat.moveStoreAsideAndStartFresh()
                },
                Button {
                    visible: Chat.storageProblem === "locked"
                    text: qsTr("Try again")
                    onClicked: Chat.retryStore()
                }
            ]
        }
        Banner {
            Layout.fillWidth: true
            text: Chat.errorText
            onDismissed: Chat.dismissError()
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            Sidebar {
                id: sidebar
                Layout.fillHeight: true
                Layout.preferredWidth: 272
                onSettingsRequested: window.openSettings()
                onConversationChosen: { window.modelPageRequested = false; chatView.focusComposer() }
            }
            Rectangle { Layout.fillHeight: true; width: 1; color: Theme.border }

            StackLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                currentIndex: window.showModelPage ? 1 : 0
                ChatView {
                    id: chatView
                    onModelPageRequested: window.modelPageRequested = true
                }
                ModelPage {
                    id: modelPage
                    onDone: window.modelPageRequested = false
                    canClose: Model.state !== "none" || ModelFiles.count > 0
                }
            }
        }

        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
        StatusLine {
            Layout.fillWidth: true
        }
    }

    Toast {
        id: toast
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 44
        z: 10
        actionText: Chat.undoTitle.length > 0 && text.indexOf(Chat.undoTitle) >= 0 ? qsTr("Undo") : ""
        onAction: Chat.undoDelete()
    }
    Connections {
        target: Chat
        function onInfo(text) { toast.show(text) }
        function onUndoChanged() {
            if (Chat.undoTitle.length > 0) toast.show(qsTr("Deleted \u201c%1\u201d").arg(Chat.undoTitle))
        }
    }
    Connections {
        target: Model
        function onLoaded() { window.modelPageRequested = false }
    }

    SettingsDialog { id: settingsDialog }

    // The first run of a data folder: the welcome over everything until the user starts
    // chatting or goes to the model library (FirstRun decides when).
    Loader {
        anchors.fill: parent
        z: 20
        active: FirstRun.active
        sourceComponent: Component {
            WelcomePage {
                onLibraryRequested: { window.modelPageRequested = true; modelPage.tab = 1 }
            }
        }
    }
}
